from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.item_error import ItemError





T = TypeVar("T", bound="EventBatchResult")



@_attrs_define
class EventBatchResult:
    """ 
        Attributes:
            accepted (int):
            duplicates (int):
            rejected (list[ItemError]):
     """

    accepted: int
    duplicates: int
    rejected: list[ItemError]





    def to_dict(self) -> dict[str, Any]:
        from ..models.item_error import ItemError # noqa: PLC0415
        accepted = self.accepted

        duplicates = self.duplicates

        rejected = []
        for rejected_item_data in self.rejected:
            rejected_item = rejected_item_data.to_dict()
            rejected.append(rejected_item)




        field_dict: dict[str, Any] = {}

        field_dict.update({
            "accepted": accepted,
            "duplicates": duplicates,
            "rejected": rejected,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.item_error import ItemError # noqa: PLC0415
        d = dict(src_dict)
        accepted = d.pop("accepted")

        duplicates = d.pop("duplicates")

        rejected = []
        _rejected = d.pop("rejected")
        for rejected_item_data in (_rejected):
            rejected_item = ItemError.from_dict(rejected_item_data)



            rejected.append(rejected_item)


        event_batch_result = cls(
            accepted=accepted,
            duplicates=duplicates,
            rejected=rejected,
        )

        return event_batch_result

