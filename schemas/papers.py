"""Paper shapes: what clients send (load) and what they get back (dump)."""

from __future__ import annotations

import datetime as dt

from marshmallow import Schema, fields, validate

from schemas.common import Body, BoundedList, BoundedString, ClientId, FieldSelection, Input, StringList
from schemas.pagination import Page, PageQuery
from schemas.references import MAX_REFERENCES, Reference

MAX_BATCH = 10_000  # absolute ceiling; MAX_BATCH_PAPERS (default 1,000) is enforced by the API


def _url(**kwargs) -> fields.Url:
    return fields.Url(schemes={"http", "https"}, validate=validate.Length(max=2048), **kwargs)


class PaperFields(Body):
    """The writable fields of a paper (the body of PUT /v1/papers/{id})."""

    title = BoundedString(1000, min_length=1, required=True)
    abstract = BoundedString(20_000, load_default="")
    authors = BoundedList(BoundedString(300, min_length=1), 1000, load_default=list)
    categories = BoundedList(BoundedString(64, min_length=1), 50, load_default=list)
    published_at = fields.AwareDateTime(default_timezone=dt.UTC, allow_none=True, load_default=None)
    url = _url(allow_none=True, load_default=None)
    code_urls = BoundedList(_url(), 20, load_default=list)
    comment = BoundedString(2000, allow_none=True, load_default=None)
    references = BoundedList(
        Reference(), MAX_REFERENCES, allow_none=True, load_default=None,
        metadata={"description": f"Works the paper cites: arXiv ids (2401.01234, arXiv:2401.01234v2, "
                                 f"hep-th/9901001) or DOIs (10.1145/…, doi:…, https://doi.org/…), at most "
                                 f"{MAX_REFERENCES}. Stored as canonical keys (arxiv:…, doi:…) and linked to the "
                                 f"cited catalogue paper when it is here or arrives later. Omitted or null: the "
                                 f"stored references are kept; []: they are removed."})


class PaperIn(PaperFields):
    """A paper with its id, as in a batch upsert or an import line. Unknown keys are ignored."""

    id = ClientId(required=True)


class PaperOut(Schema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    abstract = fields.String()
    authors = StringList()
    categories = StringList()
    published_at = fields.DateTime(allow_none=True)
    url = fields.String(allow_none=True)
    code_urls = StringList()
    comment = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


# What `fields=` may leave out of a paper; the contract requires the rest (PAPER_ALWAYS).
PAPER_ALWAYS = ("id", "title")
PAPER_OPTIONAL = tuple(name for name, field in PaperOut._declared_fields.items() if not field.required)
# The query parameter's name (the attribute cannot be `fields`: Schema.fields is marshmallow's own).
SELECTION_KEY = "fields"


class ReferenceOut(Schema):
    ref = fields.String(required=True, metadata={"description": "canonical key: arxiv:<id> or doi:<doi>"})
    paper_id = fields.String(allow_none=True, required=True,
                             metadata={"description": "the cited catalogue paper, null while it is not here"})


class PaperDetail(PaperOut):
    stars = fields.Integer(required=True, metadata={"description": "users who currently star it"})
    reads = fields.Integer(required=True, metadata={"description": "read events recorded"})
    references = fields.List(fields.Nested(ReferenceOut), metadata={"description": "what the paper cites"})


class PaperBatchIn(Body):
    ITEMS_VALIDATED_SEPARATELY = ("papers",)

    papers = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1, max=MAX_BATCH),
                         metadata={"description": "Papers as in PUT /v1/papers/{id}, each with its `id`; "
                                                  "each item is validated on its own."})


class ItemError(Schema):
    index = fields.Integer(required=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class PaperBatchResult(Schema):
    created = fields.Integer(required=True)
    updated = fields.Integer(required=True)
    unchanged = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(ItemError), required=True)


class PaperSearchQuery(PageQuery):
    q = BoundedString(500, metadata={"description": "Full-text query over title, abstract and authors "
                                                    "(web-search syntax: quotes, OR, -word)."})
    category = BoundedString(64)
    author = BoundedString(300)
    since = fields.AwareDateTime(default_timezone=dt.UTC,
                                 metadata={"description": "Only papers published at or after this time."})
    selection = FieldSelection(PAPER_OPTIONAL, (*PAPER_ALWAYS, "score"), data_key=SELECTION_KEY, load_default=None)


class SearchHit(PaperOut):
    score = fields.Float(allow_none=True, metadata={"description": "Full-text rank (null without q)."})


class PaperPage(Page):
    items = fields.List(fields.Nested(SearchHit), required=True)


class SimilarQuery(Input):
    limit = fields.Integer(validate=validate.Range(min=1, max=1000), load_default=None)


class ScoredPaper(Schema):
    paper = fields.Nested(PaperOut, required=True)
    score = fields.Float(required=True)


class SimilarResult(Schema):
    items = fields.List(fields.Nested(ScoredPaper), required=True)


class TrendingQuery(SimilarQuery):
    window = fields.String(validate=validate.OneOf(["day", "week", "month"]), load_default="week")
    category = BoundedString(64)


class TrendingItem(ScoredPaper):
    stars = fields.Integer(required=True)
    reads = fields.Integer(required=True)
    upvotes = fields.Integer(metadata={"description": "Hugging Face Daily Papers upvotes (a source's signal, "
                                                      "weighted by TRENDING_WEIGHT_UPVOTE)"})


class TrendingResult(Schema):
    items = fields.List(fields.Nested(TrendingItem), required=True)
