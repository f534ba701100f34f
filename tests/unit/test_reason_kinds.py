"""The reason kinds the API documents are exactly those the engine gives."""

from schemas.feed import REASON_KINDS
from services.recommender.hits import ReasonKind


def test_the_schema_lists_every_reason_kind_the_engine_gives():
    assert sorted(REASON_KINDS) == sorted(kind.value for kind in ReasonKind)
