from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="Unsubscribed")



@_attrs_define
class Unsubscribed:
    """ 
        Attributes:
            status (str):
            subscription_id (str):
            user_id (str):
     """

    status: str
    subscription_id: str
    user_id: str





    def to_dict(self) -> dict[str, Any]:
        status = self.status

        subscription_id = self.subscription_id

        user_id = self.user_id


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "status": status,
            "subscription_id": subscription_id,
            "user_id": user_id,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = d.pop("status")

        subscription_id = d.pop("subscription_id")

        user_id = d.pop("user_id")

        unsubscribed = cls(
            status=status,
            subscription_id=subscription_id,
            user_id=user_id,
        )

        return unsubscribed

