"""Feed shapes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from schemas.common import BoundedString, validate_client_id
from schemas.pagination import Page, PageQuery
from schemas.papers import PaperOut

MAX_EXCLUDE = 100


class FeedQuery(PageQuery):
    category = BoundedString(64)
    exclude = fields.String(validate=validate.Length(max=MAX_EXCLUDE * 130),
                            metadata={"description": "Comma-separated paper ids never to show (at most 100)."})

    @validates("exclude")
    def _exclude_ids(self, value: str, **_: object) -> None:
        ids = [v for v in value.split(",") if v]
        if len(ids) > MAX_EXCLUDE:
            raise ValidationError(f"at most {MAX_EXCLUDE} ids")
        for paper_id in ids:
            validate_client_id(paper_id)


class Reason(Schema):
    kind = fields.String(required=True, metadata={"description": "similar_to_starred, similar_to_read, "
                                                                 "liked_by_similar_readers, trending, "
                                                                 "upvoted_on_daily_papers, fresh, ..."})
    detail = fields.String(required=True)
    paper_id = fields.String(metadata={"description": "The paper this reason points at, when there is one."})


class FeedItem(Schema):
    paper = fields.Nested(PaperOut, required=True)
    score = fields.Float(required=True)
    reasons = fields.List(fields.Nested(Reason), required=True)


class FeedPage(Page):
    items = fields.List(fields.Nested(FeedItem), required=True)
    model_version = fields.String(allow_none=True, required=True)
    feed_id = fields.String(required=True, metadata={"description": "Send back in events' context to credit "
                                                                    "clicks and reads to this feed."})
