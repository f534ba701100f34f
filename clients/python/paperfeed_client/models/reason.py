from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset






T = TypeVar("T", bound="Reason")



@_attrs_define
class Reason:
    """ 
        Attributes:
            detail (str):
            kind (str): Why the item is here, one of: similar_to_starred, similar_to_read, matches_your_interest,
                liked_by_similar_readers, shares_citations, saved_with_yours, trending, upvoted_on_daily_papers, fresh,
                featured. More kinds may be added; show an unknown kind's detail as it is.
            paper_id (str | Unset): The paper this reason points at, when there is one.
     """

    detail: str
    kind: str
    paper_id: str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        detail = self.detail

        kind = self.kind

        paper_id = self.paper_id


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "detail": detail,
            "kind": kind,
        })
        if paper_id is not UNSET:
            field_dict["paper_id"] = paper_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        detail = d.pop("detail")

        kind = d.pop("kind")

        paper_id = d.pop("paper_id", UNSET)

        reason = cls(
            detail=detail,
            kind=kind,
            paper_id=paper_id,
        )

        return reason

