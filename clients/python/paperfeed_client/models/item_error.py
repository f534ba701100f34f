from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.item_error_errors import ItemErrorErrors





T = TypeVar("T", bound="ItemError")



@_attrs_define
class ItemError:
    """ 
        Attributes:
            errors (ItemErrorErrors):
            index (int):
     """

    errors: ItemErrorErrors
    index: int





    def to_dict(self) -> dict[str, Any]:
        from ..models.item_error_errors import ItemErrorErrors # noqa: PLC0415
        errors = self.errors.to_dict()

        index = self.index


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "errors": errors,
            "index": index,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.item_error_errors import ItemErrorErrors # noqa: PLC0415
        d = dict(src_dict)
        errors = ItemErrorErrors.from_dict(d.pop("errors"))




        index = d.pop("index")

        item_error = cls(
            errors=errors,
            index=index,
        )

        return item_error

