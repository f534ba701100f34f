from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.paper_out import PaperOut





T = TypeVar("T", bound="TrendingItem")



@_attrs_define
class TrendingItem:
    """ 
        Attributes:
            paper (PaperOut):
            reads (int):
            score (float):
            stars (int):
            upvotes (int | Unset): Hugging Face Daily Papers upvotes (a source's signal, weighted by TRENDING_WEIGHT_UPVOTE)
     """

    paper: PaperOut
    reads: int
    score: float
    stars: int
    upvotes: int | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.paper_out import PaperOut # noqa: PLC0415
        paper = self.paper.to_dict()

        reads = self.reads

        score = self.score

        stars = self.stars

        upvotes = self.upvotes


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "paper": paper,
            "reads": reads,
            "score": score,
            "stars": stars,
        })
        if upvotes is not UNSET:
            field_dict["upvotes"] = upvotes

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.paper_out import PaperOut # noqa: PLC0415
        d = dict(src_dict)
        paper = PaperOut.from_dict(d.pop("paper"))




        reads = d.pop("reads")

        score = d.pop("score")

        stars = d.pop("stars")

        upvotes = d.pop("upvotes", UNSET)

        trending_item = cls(
            paper=paper,
            reads=reads,
            score=score,
            stars=stars,
            upvotes=upvotes,
        )

        return trending_item

