from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.readiness_checks import ReadinessChecks
  from ..models.readiness_serving import ReadinessServing
  from ..models.readiness_warnings import ReadinessWarnings





T = TypeVar("T", bound="Readiness")



@_attrs_define
class Readiness:
    """ 
        Attributes:
            status (str): 'ready' or 'not ready'
            checks (ReadinessChecks | Unset): component → 'ok' or what is wrong
            instance (str | Unset): an opaque id of the answering API worker process
            serving (ReadinessServing | Unset): artifact kind → the version this process serves
            warnings (ReadinessWarnings | Unset): component → what is degraded while it still serves
     """

    status: str
    checks: ReadinessChecks | Unset = UNSET
    instance: str | Unset = UNSET
    serving: ReadinessServing | Unset = UNSET
    warnings: ReadinessWarnings | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.readiness_checks import ReadinessChecks # noqa: PLC0415
        from ..models.readiness_serving import ReadinessServing # noqa: PLC0415
        from ..models.readiness_warnings import ReadinessWarnings # noqa: PLC0415
        status = self.status

        checks: dict[str, Any] | Unset = UNSET
        if not isinstance(self.checks, Unset):
            checks = self.checks.to_dict()

        instance = self.instance

        serving: dict[str, Any] | Unset = UNSET
        if not isinstance(self.serving, Unset):
            serving = self.serving.to_dict()

        warnings: dict[str, Any] | Unset = UNSET
        if not isinstance(self.warnings, Unset):
            warnings = self.warnings.to_dict()


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "status": status,
        })
        if checks is not UNSET:
            field_dict["checks"] = checks
        if instance is not UNSET:
            field_dict["instance"] = instance
        if serving is not UNSET:
            field_dict["serving"] = serving
        if warnings is not UNSET:
            field_dict["warnings"] = warnings

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.readiness_checks import ReadinessChecks # noqa: PLC0415
        from ..models.readiness_serving import ReadinessServing # noqa: PLC0415
        from ..models.readiness_warnings import ReadinessWarnings # noqa: PLC0415
        d = dict(src_dict)
        status = d.pop("status")

        _checks = d.pop("checks", UNSET)
        checks: ReadinessChecks | Unset
        if isinstance(_checks,  Unset):
            checks = UNSET
        else:
            checks = ReadinessChecks.from_dict(_checks)




        instance = d.pop("instance", UNSET)

        _serving = d.pop("serving", UNSET)
        serving: ReadinessServing | Unset
        if isinstance(_serving,  Unset):
            serving = UNSET
        else:
            serving = ReadinessServing.from_dict(_serving)




        _warnings = d.pop("warnings", UNSET)
        warnings: ReadinessWarnings | Unset
        if isinstance(_warnings,  Unset):
            warnings = UNSET
        else:
            warnings = ReadinessWarnings.from_dict(_warnings)




        readiness = cls(
            status=status,
            checks=checks,
            instance=instance,
            serving=serving,
            warnings=warnings,
        )

        return readiness

