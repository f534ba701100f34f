from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.paper_out import PaperOut





T = TypeVar("T", bound="ScoredPaper")



@_attrs_define
class ScoredPaper:
    """ 
        Attributes:
            paper (PaperOut):
            score (float):
     """

    paper: PaperOut
    score: float





    def to_dict(self) -> dict[str, Any]:
        from ..models.paper_out import PaperOut # noqa: PLC0415
        paper = self.paper.to_dict()

        score = self.score


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "paper": paper,
            "score": score,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.paper_out import PaperOut # noqa: PLC0415
        d = dict(src_dict)
        paper = PaperOut.from_dict(d.pop("paper"))




        score = d.pop("score")

        scored_paper = cls(
            paper=paper,
            score=score,
        )

        return scored_paper

