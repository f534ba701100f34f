"""The dashboard's forms (flask-wtf: every one carries the CSRF token; every field is bounded)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from services import jobs, keys
from services.dashboard.accounts import MAX_PASSWORD
from services.recommender.experiments import Metric, Mode


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


class ExperimentForm(FlaskForm):
    """A new experiment. Variants are typed one per line, ``name share FEED_X=value ...``; the first
    line is the control. Every value is checked by the service against the Settings parsers."""

    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    mode = SelectField("Mode (split: A/B; interleave: team draft)", choices=[m.value for m in Mode])
    primary_metric = SelectField("Primary metric", choices=[m.value for m in Metric])
    independent = BooleanField("Independent (may run beside other experiments; must vary other settings)")
    days = IntegerField("Runs for (days)", default=14, validators=[DataRequired(), NumberRange(min=1, max=90)])
    variants = TextAreaField("Variants, one per line: name share FEED_SETTING=value …",
                             default="control 0.5\ntreatment 0.5 FEED_WEIGHT_CF=0.8",
                             validators=[DataRequired(), Length(max=8000)])

    def validate_variants(self, field: TextAreaField) -> None:
        self.parsed_variants = []
        for number, line in enumerate((field.data or "").splitlines(), start=1):
            words = line.split()
            if not words:
                continue
            if len(words) < 2:
                raise ValidationError(f"line {number}: a name and a share, e.g. 'control 0.5'")
            try:
                share = float(words[1])
            except ValueError:
                raise ValidationError(f"line {number}: the share {words[1]!r} is not a number") from None
            overrides = {}
            for word in words[2:]:
                name, sep, value = word.partition("=")
                if not sep:
                    raise ValidationError(f"line {number}: {word!r} is not SETTING=value")
                overrides[name] = value
            self.parsed_variants.append({"name": words[0][:40], "share": share, "overrides": overrides})


class PromoteForm(FlaskForm):
    variant = HiddenField(validators=[DataRequired(), Length(max=40)])
