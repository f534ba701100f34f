from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.variant_in_overrides import VariantInOverrides





T = TypeVar("T", bound="VariantIn")



@_attrs_define
class VariantIn:
    """ 
        Attributes:
            name (str):
            share (float): Share of readers (split), or of readers who get the interleaved feed (sum of both, interleave).
            overrides (VariantInOverrides | Unset): FEED_* setting → value, as in the environment, e.g. {"FEED_WEIGHT_CF":
                "0.8"}. Empty: the defaults.
     """

    name: str
    share: float
    overrides: VariantInOverrides | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.variant_in_overrides import VariantInOverrides # noqa: PLC0415
        name = self.name

        share = self.share

        overrides: dict[str, Any] | Unset = UNSET
        if not isinstance(self.overrides, Unset):
            overrides = self.overrides.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "share": share,
        })
        if overrides is not UNSET:
            field_dict["overrides"] = overrides

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.variant_in_overrides import VariantInOverrides # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        share = d.pop("share")

        _overrides = d.pop("overrides", UNSET)
        overrides: VariantInOverrides | Unset
        if isinstance(_overrides,  Unset):
            overrides = UNSET
        else:
            overrides = VariantInOverrides.from_dict(_overrides)




        variant_in = cls(
            name=name,
            share=share,
            overrides=overrides,
        )


        variant_in.additional_properties = d
        return variant_in

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
