from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.subscription_in_channel import SubscriptionInChannel
from ..models.subscription_in_frequency_type_1 import SubscriptionInFrequencyType1
from ..models.subscription_in_frequency_type_2_type_1 import SubscriptionInFrequencyType2Type1
from ..models.subscription_in_frequency_type_3_type_1 import SubscriptionInFrequencyType3Type1
from ..models.subscription_in_kind import SubscriptionInKind
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="SubscriptionIn")



@_attrs_define
class SubscriptionIn:
    """ 
        Attributes:
            channel (SubscriptionInChannel):
            kind (SubscriptionInKind):
            author (None | str | Unset): kind=author
            category (None | str | Unset): kind=category
            frequency (None | SubscriptionInFrequencyType1 | SubscriptionInFrequencyType2Type1 |
                SubscriptionInFrequencyType3Type1 | Unset): Digests only; default daily.
            min_score (float | None | Unset): kind=instant: cosine similarity a new paper must reach against one of the
                user's interests (default ALERT_MIN_SCORE_DEFAULT).
            query (None | str | Unset): kind=query: a full-text search (web-search syntax).
            webhook_url (None | str | Unset): channel=webhook: a public http(s) URL.
     """

    channel: SubscriptionInChannel
    kind: SubscriptionInKind
    author: None | str | Unset = UNSET
    category: None | str | Unset = UNSET
    frequency: None | SubscriptionInFrequencyType1 | SubscriptionInFrequencyType2Type1 | SubscriptionInFrequencyType3Type1 | Unset = UNSET
    min_score: float | None | Unset = UNSET
    query: None | str | Unset = UNSET
    webhook_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        channel = self.channel.value

        kind = self.kind.value

        author: None | str | Unset
        if isinstance(self.author, Unset):
            author = UNSET
        else:
            author = self.author

        category: None | str | Unset
        if isinstance(self.category, Unset):
            category = UNSET
        else:
            category = self.category

        frequency: None | str | Unset
        if isinstance(self.frequency, Unset):
            frequency = UNSET
        elif isinstance(self.frequency, SubscriptionInFrequencyType1):
            frequency = self.frequency.value
        elif isinstance(self.frequency, SubscriptionInFrequencyType2Type1):
            frequency = self.frequency.value
        elif isinstance(self.frequency, SubscriptionInFrequencyType3Type1):
            frequency = self.frequency.value
        else:
            frequency = self.frequency

        min_score: float | None | Unset
        if isinstance(self.min_score, Unset):
            min_score = UNSET
        else:
            min_score = self.min_score

        query: None | str | Unset
        if isinstance(self.query, Unset):
            query = UNSET
        else:
            query = self.query

        webhook_url: None | str | Unset
        if isinstance(self.webhook_url, Unset):
            webhook_url = UNSET
        else:
            webhook_url = self.webhook_url


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "channel": channel,
            "kind": kind,
        })
        if author is not UNSET:
            field_dict["author"] = author
        if category is not UNSET:
            field_dict["category"] = category
        if frequency is not UNSET:
            field_dict["frequency"] = frequency
        if min_score is not UNSET:
            field_dict["min_score"] = min_score
        if query is not UNSET:
            field_dict["query"] = query
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = SubscriptionInChannel(d.pop("channel"))




        kind = SubscriptionInKind(d.pop("kind"))




        def _parse_author(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        author = _parse_author(d.pop("author", UNSET))


        def _parse_category(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        category = _parse_category(d.pop("category", UNSET))


        def _parse_frequency(data: object) -> None | SubscriptionInFrequencyType1 | SubscriptionInFrequencyType2Type1 | SubscriptionInFrequencyType3Type1 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                frequency_type_1 = SubscriptionInFrequencyType1(data)



                return frequency_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                frequency_type_2_type_1 = SubscriptionInFrequencyType2Type1(data)



                return frequency_type_2_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                frequency_type_3_type_1 = SubscriptionInFrequencyType3Type1(data)



                return frequency_type_3_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SubscriptionInFrequencyType1 | SubscriptionInFrequencyType2Type1 | SubscriptionInFrequencyType3Type1 | Unset, data)

        frequency = _parse_frequency(d.pop("frequency", UNSET))


        def _parse_min_score(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        min_score = _parse_min_score(d.pop("min_score", UNSET))


        def _parse_query(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        query = _parse_query(d.pop("query", UNSET))


        def _parse_webhook_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_url = _parse_webhook_url(d.pop("webhook_url", UNSET))


        subscription_in = cls(
            channel=channel,
            kind=kind,
            author=author,
            category=category,
            frequency=frequency,
            min_score=min_score,
            query=query,
            webhook_url=webhook_url,
        )


        subscription_in.additional_properties = d
        return subscription_in

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
