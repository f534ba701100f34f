"""Feed shapes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates

from schemas.common import BoundedString, FieldSelection, validate_client_id
from schemas.pagination import Page, PageQuery
from schemas.papers import PAPER_ALWAYS, PAPER_OPTIONAL, SELECTION_KEY, PaperOut

MAX_EXCLUDE = 100


class FeedQuery(PageQuery):
    category = BoundedString(64)
    exclude = fields.String(validate=validate.Length(max=MAX_EXCLUDE * 130),
                            metadata={"description": "Comma-separated paper ids never to show (at most 100)."})
    selection = FieldSelection(PAPER_OPTIONAL, (*PAPER_ALWAYS, "score", "reasons"), data_key=SELECTION_KEY,
                               load_default=None)

    @validates("exclude")
    def _exclude_ids(self, value: str, **_: object) -> None:
        ids = [v for v in value.split(",") if v]
        if len(ids) > MAX_EXCLUDE:
            raise ValidationError(f"at most {MAX_EXCLUDE} ids")
        for paper_id in ids:
            validate_client_id(paper_id)


# Every reason kind the feed gives (services.recommender.hits.ReasonKind; a unit test keeps the two equal).
# Clients switch on these: a new kind is an additive change (docs/api-versioning.md).
REASON_KINDS = (
    "similar_to_starred", "similar_to_read", "matches_your_interest", "liked_by_similar_readers",
    "shares_citations", "saved_with_yours", "trending", "upvoted_on_daily_papers", "fresh", "featured",
)


class Reason(Schema):
    # Not an OpenAPI enum on purpose: generated clients reject unknown enum values, and a new kind must
    # stay an additive change for apps already in the field.
    kind = fields.String(required=True, metadata={"description": (
        "Why the item is here, one of: " + ", ".join(REASON_KINDS) + ". More kinds may be added; "
        "show an unknown kind's detail as it is.")})
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
