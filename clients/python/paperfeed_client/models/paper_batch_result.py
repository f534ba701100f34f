from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.item_error import ItemError





T = TypeVar("T", bound="PaperBatchResult")



@_attrs_define
class PaperBatchResult:
    """ 
        Attributes:
            created (int):
            rejected (list[ItemError]):
            unchanged (int):
            updated (int):
     """

    created: int
    rejected: list[ItemError]
    unchanged: int
    updated: int





    def to_dict(self) -> dict[str, Any]:
        from ..models.item_error import ItemError # noqa: PLC0415
        created = self.created

        rejected = []
        for rejected_item_data in self.rejected:
            rejected_item = rejected_item_data.to_dict()
            rejected.append(rejected_item)



        unchanged = self.unchanged

        updated = self.updated


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "created": created,
            "rejected": rejected,
            "unchanged": unchanged,
            "updated": updated,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.item_error import ItemError # noqa: PLC0415
        d = dict(src_dict)
        created = d.pop("created")

        rejected = []
        _rejected = d.pop("rejected")
        for rejected_item_data in (_rejected):
            rejected_item = ItemError.from_dict(rejected_item_data)



            rejected.append(rejected_item)


        unchanged = d.pop("unchanged")

        updated = d.pop("updated")

        paper_batch_result = cls(
            created=created,
            rejected=rejected,
            unchanged=unchanged,
            updated=updated,
        )

        return paper_batch_result

