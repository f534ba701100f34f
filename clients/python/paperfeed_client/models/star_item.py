from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.paper_out import PaperOut





T = TypeVar("T", bound="StarItem")



@_attrs_define
class StarItem:
    """ 
        Attributes:
            paper (PaperOut):
            starred_at (datetime.datetime):
     """

    paper: PaperOut
    starred_at: datetime.datetime





    def to_dict(self) -> dict[str, Any]:
        from ..models.paper_out import PaperOut # noqa: PLC0415
        paper = self.paper.to_dict()

        starred_at = self.starred_at.isoformat()


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "paper": paper,
            "starred_at": starred_at,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.paper_out import PaperOut # noqa: PLC0415
        d = dict(src_dict)
        paper = PaperOut.from_dict(d.pop("paper"))




        starred_at = datetime.datetime.fromisoformat(d.pop("starred_at"))




        star_item = cls(
            paper=paper,
            starred_at=starred_at,
        )

        return star_item

