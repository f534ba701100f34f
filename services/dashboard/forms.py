"""The dashboard's forms (flask-wtf: every one carries the CSRF token; every field is bounded)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp, ValidationError

from services import jobs, keys
from services.dashboard.accounts import MAX_PASSWORD


class LoginForm(FlaskForm):
    email = StringField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=MAX_PASSWORD)])
    next = HiddenField(validators=[Optional(), Length(max=500)])


class PaperForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=1000)])
    abstract = TextAreaField("Abstract", validators=[Optional(), Length(max=100_000)])
    authors = TextAreaField("Authors (one per line)", validators=[Optional(), Length(max=50_000)])
    categories = StringField("Categories (comma-separated)", validators=[Optional(), Length(max=2000)])
    url = StringField("URL", validators=[Optional(), URL(require_tld=False), Length(max=2048),
                                         Regexp(r"^https?://", message="an http:// or https:// address")])

    def changes(self) -> dict:
        """The fields as the catalogue stores them."""
        return {
            "title": " ".join(self.title.data.split()),
            "abstract": self.abstract.data or "",
            "authors": [a.strip() for a in (self.authors.data or "").splitlines() if a.strip()][:1000],
            "categories": [c.strip() for c in (self.categories.data or "").split(",") if c.strip()][:100],
            "url": self.url.data or None,
        }


class ImportForm(FlaskForm):
    file = FileField("JSONL file (.jsonl or .jsonl.gz)", validators=[FileRequired()])


class JobForm(FlaskForm):
    job = SelectField("Job", choices=list(jobs.JOB_TASKS))


class KeyForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    scopes = SelectMultipleField("Scopes", choices=list(keys.SCOPES), default=["read"],
                                 widget=widgets.ListWidget(prefix_label=False),
                                 option_widget=widgets.CheckboxInput())

    def validate_scopes(self, field: SelectMultipleField) -> None:
        # Not DataRequired: that renders `required` on every checkbox, and a browser then insists on all.
        if not field.data:
            raise ValidationError("choose at least one scope")
