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
  from ..models.model_version_out_metrics import ModelVersionOutMetrics
  from ..models.model_version_out_params import ModelVersionOutParams





T = TypeVar("T", bound="ModelVersionOut")



@_attrs_define
class ModelVersionOut:
    """ 
        Attributes:
            kind (str):
            live (bool):
            version (str):
            created_at (datetime.datetime | Unset):
            metrics (ModelVersionOutMetrics | Unset): offline metrics measured when it was trained or built
            params (ModelVersionOutParams | Unset):
            published_at (datetime.datetime | None | Unset):
     """

    kind: str
    live: bool
    version: str
    created_at: datetime.datetime | Unset = UNSET
    metrics: ModelVersionOutMetrics | Unset = UNSET
    params: ModelVersionOutParams | Unset = UNSET
    published_at: datetime.datetime | None | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.model_version_out_metrics import ModelVersionOutMetrics # noqa: PLC0415
        from ..models.model_version_out_params import ModelVersionOutParams # noqa: PLC0415
        kind = self.kind

        live = self.live

        version = self.version

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        metrics: dict[str, Any] | Unset = UNSET
        if not isinstance(self.metrics, Unset):
            metrics = self.metrics.to_dict()

        params: dict[str, Any] | Unset = UNSET
        if not isinstance(self.params, Unset):
            params = self.params.to_dict()

        published_at: None | str | Unset
        if isinstance(self.published_at, Unset):
            published_at = UNSET
        elif isinstance(self.published_at, datetime.datetime):
            published_at = self.published_at.isoformat()
        else:
            published_at = self.published_at


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "kind": kind,
            "live": live,
            "version": version,
        })
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if metrics is not UNSET:
            field_dict["metrics"] = metrics
        if params is not UNSET:
            field_dict["params"] = params
        if published_at is not UNSET:
            field_dict["published_at"] = published_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.model_version_out_metrics import ModelVersionOutMetrics # noqa: PLC0415
        from ..models.model_version_out_params import ModelVersionOutParams # noqa: PLC0415
        d = dict(src_dict)
        kind = d.pop("kind")

        live = d.pop("live")

        version = d.pop("version")

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at,  Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)




        _metrics = d.pop("metrics", UNSET)
        metrics: ModelVersionOutMetrics | Unset
        if isinstance(_metrics,  Unset):
            metrics = UNSET
        else:
            metrics = ModelVersionOutMetrics.from_dict(_metrics)




        _params = d.pop("params", UNSET)
        params: ModelVersionOutParams | Unset
        if isinstance(_params,  Unset):
            params = UNSET
        else:
            params = ModelVersionOutParams.from_dict(_params)




        def _parse_published_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                published_at_type_0 = datetime.datetime.fromisoformat(data)



                return published_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        published_at = _parse_published_at(d.pop("published_at", UNSET))


        model_version_out = cls(
            kind=kind,
            live=live,
            version=version,
            created_at=created_at,
            metrics=metrics,
            params=params,
            published_at=published_at,
        )

        return model_version_out

