from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.variant_in import VariantIn





T = TypeVar("T", bound="ExperimentIn")



@_attrs_define
class ExperimentIn:
    """ 
        Attributes:
            name (str):
            variants (list[VariantIn]): The first variant is the control.
            description (str | Unset):  Default: ''.
            ends_at (datetime.datetime | None | Unset): Default: 14 days after the start; at most 90.
            independent (bool | Unset): May run beside other experiments of the surface (they must vary other settings).
                Default: False.
            mode (str | Unset): split or interleave Default: 'split'.
            primary_metric (str | Unset): ctr, star_rate, dismiss_rate or reads_per_reader_day Default: 'ctr'.
            starts_at (datetime.datetime | None | Unset): Default: now.
            surface (str | Unset): feed Default: 'feed'.
     """

    name: str
    variants: list[VariantIn]
    description: str | Unset = ''
    ends_at: datetime.datetime | None | Unset = UNSET
    independent: bool | Unset = False
    mode: str | Unset = 'split'
    primary_metric: str | Unset = 'ctr'
    starts_at: datetime.datetime | None | Unset = UNSET
    surface: str | Unset = 'feed'
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.variant_in import VariantIn # noqa: PLC0415
        name = self.name

        variants = []
        for variants_item_data in self.variants:
            variants_item = variants_item_data.to_dict()
            variants.append(variants_item)



        description = self.description

        ends_at: None | str | Unset
        if isinstance(self.ends_at, Unset):
            ends_at = UNSET
        elif isinstance(self.ends_at, datetime.datetime):
            ends_at = self.ends_at.isoformat()
        else:
            ends_at = self.ends_at

        independent = self.independent

        mode = self.mode

        primary_metric = self.primary_metric

        starts_at: None | str | Unset
        if isinstance(self.starts_at, Unset):
            starts_at = UNSET
        elif isinstance(self.starts_at, datetime.datetime):
            starts_at = self.starts_at.isoformat()
        else:
            starts_at = self.starts_at

        surface = self.surface


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "name": name,
            "variants": variants,
        })
        if description is not UNSET:
            field_dict["description"] = description
        if ends_at is not UNSET:
            field_dict["ends_at"] = ends_at
        if independent is not UNSET:
            field_dict["independent"] = independent
        if mode is not UNSET:
            field_dict["mode"] = mode
        if primary_metric is not UNSET:
            field_dict["primary_metric"] = primary_metric
        if starts_at is not UNSET:
            field_dict["starts_at"] = starts_at
        if surface is not UNSET:
            field_dict["surface"] = surface

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.variant_in import VariantIn # noqa: PLC0415
        d = dict(src_dict)
        name = d.pop("name")

        variants = []
        _variants = d.pop("variants")
        for variants_item_data in (_variants):
            variants_item = VariantIn.from_dict(variants_item_data)



            variants.append(variants_item)


        description = d.pop("description", UNSET)

        def _parse_ends_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ends_at_type_0 = datetime.datetime.fromisoformat(data)



                return ends_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        ends_at = _parse_ends_at(d.pop("ends_at", UNSET))


        independent = d.pop("independent", UNSET)

        mode = d.pop("mode", UNSET)

        primary_metric = d.pop("primary_metric", UNSET)

        def _parse_starts_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                starts_at_type_0 = datetime.datetime.fromisoformat(data)



                return starts_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        starts_at = _parse_starts_at(d.pop("starts_at", UNSET))


        surface = d.pop("surface", UNSET)

        experiment_in = cls(
            name=name,
            variants=variants,
            description=description,
            ends_at=ends_at,
            independent=independent,
            mode=mode,
            primary_metric=primary_metric,
            starts_at=starts_at,
            surface=surface,
        )


        experiment_in.additional_properties = d
        return experiment_in

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
