from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="DefaultOut")



@_attrs_define
class DefaultOut:
    """ 
        Attributes:
            name (str):
            updated_at (datetime.datetime):
            value (str):
            source (None | str | Unset):
     """

    name: str
    updated_at: datetime.datetime
    value: str
    source: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        name = self.name

        updated_at = self.updated_at.isoformat()

        value = self.value

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "name": name,
            "updated_at": updated_at,
            "value": value,
        })
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))




        value = d.pop("value")

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))


        default_out = cls(
            name=name,
            updated_at=updated_at,
            value=value,
            source=source,
        )

        return default_out

