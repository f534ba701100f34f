from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="UserCounts")



@_attrs_define
class UserCounts:
    """ 
        Attributes:
            events (int):
            reads (int):
            stars (int):
            subscriptions (int):
            unread_alerts (int):
     """

    events: int
    reads: int
    stars: int
    subscriptions: int
    unread_alerts: int





    def to_dict(self) -> dict[str, Any]:
        events = self.events

        reads = self.reads

        stars = self.stars

        subscriptions = self.subscriptions

        unread_alerts = self.unread_alerts


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "events": events,
            "reads": reads,
            "stars": stars,
            "subscriptions": subscriptions,
            "unread_alerts": unread_alerts,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        events = d.pop("events")

        reads = d.pop("reads")

        stars = d.pop("stars")

        subscriptions = d.pop("subscriptions")

        unread_alerts = d.pop("unread_alerts")

        user_counts = cls(
            events=events,
            reads=reads,
            stars=stars,
            subscriptions=subscriptions,
            unread_alerts=unread_alerts,
        )

        return user_counts

