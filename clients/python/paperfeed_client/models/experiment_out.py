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
  from ..models.variant_out import VariantOut





T = TypeVar("T", bound="ExperimentOut")



@_attrs_define
class ExperimentOut:
    """ 
        Attributes:
            created_at (datetime.datetime):
            description (str):
            ends_at (datetime.datetime):
            id (int):
            independent (bool):
            mode (str):
            name (str):
            primary_metric (str):
            starts_at (datetime.datetime):
            status (str): running, paused or stopped
            surface (str):
            variants (list[VariantOut]):
            created_by (None | str | Unset):
            promoted (None | str | Unset):
            stopped_at (datetime.datetime | None | Unset):
     """

    created_at: datetime.datetime
    description: str
    ends_at: datetime.datetime
    id: int
    independent: bool
    mode: str
    name: str
    primary_metric: str
    starts_at: datetime.datetime
    status: str
    surface: str
    variants: list[VariantOut]
    created_by: None | str | Unset = UNSET
    promoted: None | str | Unset = UNSET
    stopped_at: datetime.datetime | None | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.variant_out import VariantOut # noqa: PLC0415
        created_at = self.created_at.isoformat()

        description = self.description

        ends_at = self.ends_at.isoformat()

        id = self.id

        independent = self.independent

        mode = self.mode

        name = self.name

        primary_metric = self.primary_metric

        starts_at = self.starts_at.isoformat()

        status = self.status

        surface = self.surface

        variants = []
        for variants_item_data in self.variants:
            variants_item = variants_item_data.to_dict()
            variants.append(variants_item)



        created_by: None | str | Unset
        if isinstance(self.created_by, Unset):
            created_by = UNSET
        else:
            created_by = self.created_by

        promoted: None | str | Unset
        if isinstance(self.promoted, Unset):
            promoted = UNSET
        else:
            promoted = self.promoted

        stopped_at: None | str | Unset
        if isinstance(self.stopped_at, Unset):
            stopped_at = UNSET
        elif isinstance(self.stopped_at, datetime.datetime):
            stopped_at = self.stopped_at.isoformat()
        else:
            stopped_at = self.stopped_at


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "created_at": created_at,
            "description": description,
            "ends_at": ends_at,
            "id": id,
            "independent": independent,
            "mode": mode,
            "name": name,
            "primary_metric": primary_metric,
            "starts_at": starts_at,
            "status": status,
            "surface": surface,
            "variants": variants,
        })
        if created_by is not UNSET:
            field_dict["created_by"] = created_by
        if promoted is not UNSET:
            field_dict["promoted"] = promoted
        if stopped_at is not UNSET:
            field_dict["stopped_at"] = stopped_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.variant_out import VariantOut # noqa: PLC0415
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))




        description = d.pop("description")

        ends_at = datetime.datetime.fromisoformat(d.pop("ends_at"))




        id = d.pop("id")

        independent = d.pop("independent")

        mode = d.pop("mode")

        name = d.pop("name")

        primary_metric = d.pop("primary_metric")

        starts_at = datetime.datetime.fromisoformat(d.pop("starts_at"))




        status = d.pop("status")

        surface = d.pop("surface")

        variants = []
        _variants = d.pop("variants")
        for variants_item_data in (_variants):
            variants_item = VariantOut.from_dict(variants_item_data)



            variants.append(variants_item)


        def _parse_created_by(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_by = _parse_created_by(d.pop("created_by", UNSET))


        def _parse_promoted(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        promoted = _parse_promoted(d.pop("promoted", UNSET))


        def _parse_stopped_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                stopped_at_type_0 = datetime.datetime.fromisoformat(data)



                return stopped_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        stopped_at = _parse_stopped_at(d.pop("stopped_at", UNSET))


        experiment_out = cls(
            created_at=created_at,
            description=description,
            ends_at=ends_at,
            id=id,
            independent=independent,
            mode=mode,
            name=name,
            primary_metric=primary_metric,
            starts_at=starts_at,
            status=status,
            surface=surface,
            variants=variants,
            created_by=created_by,
            promoted=promoted,
            stopped_at=stopped_at,
        )

        return experiment_out

