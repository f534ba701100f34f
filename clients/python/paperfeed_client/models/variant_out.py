from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.variant_out_overrides import VariantOutOverrides





T = TypeVar("T", bound="VariantOut")



@_attrs_define
class VariantOut:
    """ 
        Attributes:
            name (str):
            overrides (VariantOutOverrides):
            share (float):
     """

    name: str
    overrides: VariantOutOverrides
    share: float





    def to_dict(self) -> dict[str, Any]:
        from ..models.variant_out_overrides import VariantOutOverrides # noqa: PLC0415
        name = self.name

        overrides = self.overrides.to_dict()

        share = self.share


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "name": name,
            "overrides": overrides,
            "share": share,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.variant_out_overrides import VariantOutOverrides # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        overrides = VariantOutOverrides.from_dict(d.pop("overrides"))




        share = d.pop("share")

        variant_out = cls(
            name=name,
            overrides=overrides,
            share=share,
        )

        return variant_out

