from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="EmailConfirmed")



@_attrs_define
class EmailConfirmed:
    """ 
        Attributes:
            email (str):
            status (str):
            user_id (str):
     """

    email: str
    status: str
    user_id: str





    def to_dict(self) -> dict[str, Any]:
        email = self.email

        status = self.status

        user_id = self.user_id


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "email": email,
            "status": status,
            "user_id": user_id,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        status = d.pop("status")

        user_id = d.pop("user_id")

        email_confirmed = cls(
            email=email,
            status=status,
            user_id=user_id,
        )

        return email_confirmed

