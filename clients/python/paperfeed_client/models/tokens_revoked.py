from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime






T = TypeVar("T", bound="TokensRevoked")



@_attrs_define
class TokensRevoked:
    """ 
        Attributes:
            revoked_before (datetime.datetime): Every user token of this user issued at or before this instant is refused
                from now on.
     """

    revoked_before: datetime.datetime





    def to_dict(self) -> dict[str, Any]:
        revoked_before = self.revoked_before.isoformat()


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "revoked_before": revoked_before,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        revoked_before = datetime.datetime.fromisoformat(d.pop("revoked_before"))




        tokens_revoked = cls(
            revoked_before=revoked_before,
        )

        return tokens_revoked

