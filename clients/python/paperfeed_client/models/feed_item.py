from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.paper_out import PaperOut
  from ..models.reason import Reason





T = TypeVar("T", bound="FeedItem")



@_attrs_define
class FeedItem:
    """ 
        Attributes:
            paper (PaperOut):
            reasons (list[Reason]):
            score (float):
     """

    paper: PaperOut
    reasons: list[Reason]
    score: float





    def to_dict(self) -> dict[str, Any]:
        from ..models.paper_out import PaperOut # noqa: PLC0415
        from ..models.reason import Reason # noqa: PLC0415
        paper = self.paper.to_dict()

        reasons = []
        for reasons_item_data in self.reasons:
            reasons_item = reasons_item_data.to_dict()
            reasons.append(reasons_item)



        score = self.score


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "paper": paper,
            "reasons": reasons,
            "score": score,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.paper_out import PaperOut # noqa: PLC0415
        from ..models.reason import Reason # noqa: PLC0415
        d = dict(src_dict)
        paper = PaperOut.from_dict(d.pop("paper"))




        reasons = []
        _reasons = d.pop("reasons")
        for reasons_item_data in (_reasons):
            reasons_item = Reason.from_dict(reasons_item_data)



            reasons.append(reasons_item)


        score = d.pop("score")

        feed_item = cls(
            paper=paper,
            reasons=reasons,
            score=score,
        )

        return feed_item

