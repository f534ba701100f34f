from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.user_export_alerts_item import UserExportAlertsItem
  from ..models.user_export_events_item import UserExportEventsItem
  from ..models.user_export_stars_item import UserExportStarsItem
  from ..models.user_export_subscriptions_item import UserExportSubscriptionsItem
  from ..models.user_out import UserOut





T = TypeVar("T", bound="UserExport")



@_attrs_define
class UserExport:
    """ 
        Attributes:
            alerts (list[UserExportAlertsItem]):
            events (list[UserExportEventsItem]):
            exported_at (datetime.datetime):
            stars (list[UserExportStarsItem]):
            subscriptions (list[UserExportSubscriptionsItem]):
            user (UserOut):
     """

    alerts: list[UserExportAlertsItem]
    events: list[UserExportEventsItem]
    exported_at: datetime.datetime
    stars: list[UserExportStarsItem]
    subscriptions: list[UserExportSubscriptionsItem]
    user: UserOut





    def to_dict(self) -> dict[str, Any]:
        from ..models.user_export_alerts_item import UserExportAlertsItem # noqa: PLC0415
        from ..models.user_export_events_item import UserExportEventsItem # noqa: PLC0415
        from ..models.user_export_stars_item import UserExportStarsItem # noqa: PLC0415
        from ..models.user_export_subscriptions_item import UserExportSubscriptionsItem # noqa: PLC0415
        from ..models.user_out import UserOut # noqa: PLC0415
        alerts = []
        for alerts_item_data in self.alerts:
            alerts_item = alerts_item_data.to_dict()
            alerts.append(alerts_item)



        events = []
        for events_item_data in self.events:
            events_item = events_item_data.to_dict()
            events.append(events_item)



        exported_at = self.exported_at.isoformat()

        stars = []
        for stars_item_data in self.stars:
            stars_item = stars_item_data.to_dict()
            stars.append(stars_item)



        subscriptions = []
        for subscriptions_item_data in self.subscriptions:
            subscriptions_item = subscriptions_item_data.to_dict()
            subscriptions.append(subscriptions_item)



        user = self.user.to_dict()


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "alerts": alerts,
            "events": events,
            "exported_at": exported_at,
            "stars": stars,
            "subscriptions": subscriptions,
            "user": user,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.user_export_alerts_item import UserExportAlertsItem # noqa: PLC0415
        from ..models.user_export_events_item import UserExportEventsItem # noqa: PLC0415
        from ..models.user_export_stars_item import UserExportStarsItem # noqa: PLC0415
        from ..models.user_export_subscriptions_item import UserExportSubscriptionsItem # noqa: PLC0415
        from ..models.user_out import UserOut # noqa: PLC0415
        d = dict(src_dict)
        alerts = []
        _alerts = d.pop("alerts")
        for alerts_item_data in (_alerts):
            alerts_item = UserExportAlertsItem.from_dict(alerts_item_data)



            alerts.append(alerts_item)


        events = []
        _events = d.pop("events")
        for events_item_data in (_events):
            events_item = UserExportEventsItem.from_dict(events_item_data)



            events.append(events_item)


        exported_at = datetime.datetime.fromisoformat(d.pop("exported_at"))




        stars = []
        _stars = d.pop("stars")
        for stars_item_data in (_stars):
            stars_item = UserExportStarsItem.from_dict(stars_item_data)



            stars.append(stars_item)


        subscriptions = []
        _subscriptions = d.pop("subscriptions")
        for subscriptions_item_data in (_subscriptions):
            subscriptions_item = UserExportSubscriptionsItem.from_dict(subscriptions_item_data)



            subscriptions.append(subscriptions_item)


        user = UserOut.from_dict(d.pop("user"))




        user_export = cls(
            alerts=alerts,
            events=events,
            exported_at=exported_at,
            stars=stars,
            subscriptions=subscriptions,
            user=user,
        )

        return user_export

