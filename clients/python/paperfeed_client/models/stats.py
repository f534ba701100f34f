from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.stats_live_models import StatsLiveModels





T = TypeVar("T", bound="Stats")



@_attrs_define
class Stats:
    """ 
        Attributes:
            active_users_last_24h (int):
            active_users_last_7d (int):
            events (int):
            events_last_24h (int):
            feeds_last_24h (int):
            papers (int):
            stars (int):
            users (int):
            live_models (StatsLiveModels | Unset): kind → {version, age_seconds}
     """

    active_users_last_24h: int
    active_users_last_7d: int
    events: int
    events_last_24h: int
    feeds_last_24h: int
    papers: int
    stars: int
    users: int
    live_models: StatsLiveModels | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.stats_live_models import StatsLiveModels # noqa: PLC0415
        active_users_last_24h = self.active_users_last_24h

        active_users_last_7d = self.active_users_last_7d

        events = self.events

        events_last_24h = self.events_last_24h

        feeds_last_24h = self.feeds_last_24h

        papers = self.papers

        stars = self.stars

        users = self.users

        live_models: dict[str, Any] | Unset = UNSET
        if not isinstance(self.live_models, Unset):
            live_models = self.live_models.to_dict()


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "active_users_last_24h": active_users_last_24h,
            "active_users_last_7d": active_users_last_7d,
            "events": events,
            "events_last_24h": events_last_24h,
            "feeds_last_24h": feeds_last_24h,
            "papers": papers,
            "stars": stars,
            "users": users,
        })
        if live_models is not UNSET:
            field_dict["live_models"] = live_models

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.stats_live_models import StatsLiveModels # noqa: PLC0415
        d = dict(src_dict)
        active_users_last_24h = d.pop("active_users_last_24h")

        active_users_last_7d = d.pop("active_users_last_7d")

        events = d.pop("events")

        events_last_24h = d.pop("events_last_24h")

        feeds_last_24h = d.pop("feeds_last_24h")

        papers = d.pop("papers")

        stars = d.pop("stars")

        users = d.pop("users")

        _live_models = d.pop("live_models", UNSET)
        live_models: StatsLiveModels | Unset
        if isinstance(_live_models,  Unset):
            live_models = UNSET
        else:
            live_models = StatsLiveModels.from_dict(_live_models)




        stats = cls(
            active_users_last_24h=active_users_last_24h,
            active_users_last_7d=active_users_last_7d,
            events=events,
            events_last_24h=events_last_24h,
            feeds_last_24h=feeds_last_24h,
            papers=papers,
            stars=stars,
            users=users,
            live_models=live_models,
        )

        return stats

