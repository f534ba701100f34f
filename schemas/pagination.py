"""Cursor pagination shapes shared by every list."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import Input

# The absolute ceiling; the configured maximum (PAGE_LIMIT_MAX, default 100) is enforced by the API.
ABSOLUTE_MAX_LIMIT = 1000


class PageQuery(Input):
    cursor = fields.String(validate=validate.Length(max=512), load_default=None,
                           metadata={"description": "Opaque; from the previous page's next_cursor."})
    limit = fields.Integer(validate=validate.Range(min=1, max=ABSOLUTE_MAX_LIMIT), load_default=None,
                           metadata={"description": "Page size (default 20, max 100)."})


class Page(Schema):
    next_cursor = fields.String(allow_none=True, required=True,
                                metadata={"description": "null on the last page"})
