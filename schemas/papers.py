"""Paper shapes."""

from __future__ import annotations

import datetime as dt

from marshmallow import EXCLUDE, Schema, fields, validate

from schemas.common import BoundedList, BoundedString, ClientId


class PaperFields(Schema):
    """The writable fields of a paper (the body of PUT /v1/papers/{id})."""

    title = BoundedString(1000, min_length=1, required=True)
    abstract = BoundedString(20_000, load_default="")
    authors = BoundedList(BoundedString(300, min_length=1), 1000, load_default=list)
    categories = BoundedList(BoundedString(64, min_length=1), 50, load_default=list)
    published_at = fields.AwareDateTime(default_timezone=dt.UTC, allow_none=True, load_default=None)
    url = fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2048), allow_none=True,
                     load_default=None)
    code_urls = BoundedList(fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2048)), 20,
                            load_default=list)
    comment = BoundedString(2000, allow_none=True, load_default=None)


class PaperIn(PaperFields):
    """A paper with its id, as in a batch upsert or an import line. Unknown keys are ignored."""

    class Meta:
        unknown = EXCLUDE

    id = ClientId(required=True)
