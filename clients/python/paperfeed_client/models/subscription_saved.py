from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="SubscriptionSaved")



@_attrs_define
class SubscriptionSaved:
    """ 
        Attributes:
            channel (str):
            enabled (bool):
            id (str):
            kind (str):
            author (None | str | Unset):
            category (None | str | Unset):
            consecutive_failures (int | Unset):
            created_at (datetime.datetime | Unset):
            disabled_reason (None | str | Unset): Why it stopped: failing webhook, unsubscribed.
            frequency (None | str | Unset):
            last_sent_at (datetime.datetime | None | Unset):
            min_score (float | None | Unset):
            query (None | str | Unset):
            updated_at (datetime.datetime | Unset):
            webhook_secret (None | str | Unset): Webhooks only: the HMAC-SHA256 key (as UTF-8 bytes) of webhook-signature
                and X-Paperfeed-Signature. Shown on PUT and rotation only.
            webhook_secret_previous_until (datetime.datetime | None | Unset): After a rotation: until when deliveries are
                also signed with the previous secret.
            webhook_signing_secret (None | str | Unset): The same key in the Standard Webhooks form (`whsec_` + base64), for
                their libraries.
            webhook_url (None | str | Unset):
     """

    channel: str
    enabled: bool
    id: str
    kind: str
    author: None | str | Unset = UNSET
    category: None | str | Unset = UNSET
    consecutive_failures: int | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    disabled_reason: None | str | Unset = UNSET
    frequency: None | str | Unset = UNSET
    last_sent_at: datetime.datetime | None | Unset = UNSET
    min_score: float | None | Unset = UNSET
    query: None | str | Unset = UNSET
    updated_at: datetime.datetime | Unset = UNSET
    webhook_secret: None | str | Unset = UNSET
    webhook_secret_previous_until: datetime.datetime | None | Unset = UNSET
    webhook_signing_secret: None | str | Unset = UNSET
    webhook_url: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        channel = self.channel

        enabled = self.enabled

        id = self.id

        kind = self.kind

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

        consecutive_failures = self.consecutive_failures

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        disabled_reason: None | str | Unset
        if isinstance(self.disabled_reason, Unset):
            disabled_reason = UNSET
        else:
            disabled_reason = self.disabled_reason

        frequency: None | str | Unset
        if isinstance(self.frequency, Unset):
            frequency = UNSET
        else:
            frequency = self.frequency

        last_sent_at: None | str | Unset
        if isinstance(self.last_sent_at, Unset):
            last_sent_at = UNSET
        elif isinstance(self.last_sent_at, datetime.datetime):
            last_sent_at = self.last_sent_at.isoformat()
        else:
            last_sent_at = self.last_sent_at

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

        updated_at: str | Unset = UNSET
        if not isinstance(self.updated_at, Unset):
            updated_at = self.updated_at.isoformat()

        webhook_secret: None | str | Unset
        if isinstance(self.webhook_secret, Unset):
            webhook_secret = UNSET
        else:
            webhook_secret = self.webhook_secret

        webhook_secret_previous_until: None | str | Unset
        if isinstance(self.webhook_secret_previous_until, Unset):
            webhook_secret_previous_until = UNSET
        elif isinstance(self.webhook_secret_previous_until, datetime.datetime):
            webhook_secret_previous_until = self.webhook_secret_previous_until.isoformat()
        else:
            webhook_secret_previous_until = self.webhook_secret_previous_until

        webhook_signing_secret: None | str | Unset
        if isinstance(self.webhook_signing_secret, Unset):
            webhook_signing_secret = UNSET
        else:
            webhook_signing_secret = self.webhook_signing_secret

        webhook_url: None | str | Unset
        if isinstance(self.webhook_url, Unset):
            webhook_url = UNSET
        else:
            webhook_url = self.webhook_url


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "channel": channel,
            "enabled": enabled,
            "id": id,
            "kind": kind,
        })
        if author is not UNSET:
            field_dict["author"] = author
        if category is not UNSET:
            field_dict["category"] = category
        if consecutive_failures is not UNSET:
            field_dict["consecutive_failures"] = consecutive_failures
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if disabled_reason is not UNSET:
            field_dict["disabled_reason"] = disabled_reason
        if frequency is not UNSET:
            field_dict["frequency"] = frequency
        if last_sent_at is not UNSET:
            field_dict["last_sent_at"] = last_sent_at
        if min_score is not UNSET:
            field_dict["min_score"] = min_score
        if query is not UNSET:
            field_dict["query"] = query
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at
        if webhook_secret is not UNSET:
            field_dict["webhook_secret"] = webhook_secret
        if webhook_secret_previous_until is not UNSET:
            field_dict["webhook_secret_previous_until"] = webhook_secret_previous_until
        if webhook_signing_secret is not UNSET:
            field_dict["webhook_signing_secret"] = webhook_signing_secret
        if webhook_url is not UNSET:
            field_dict["webhook_url"] = webhook_url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = d.pop("channel")

        enabled = d.pop("enabled")

        id = d.pop("id")

        kind = d.pop("kind")

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


        consecutive_failures = d.pop("consecutive_failures", UNSET)

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at,  Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)




        def _parse_disabled_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason", UNSET))


        def _parse_frequency(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        frequency = _parse_frequency(d.pop("frequency", UNSET))


        def _parse_last_sent_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_sent_at_type_0 = datetime.datetime.fromisoformat(data)



                return last_sent_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_sent_at = _parse_last_sent_at(d.pop("last_sent_at", UNSET))


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


        _updated_at = d.pop("updated_at", UNSET)
        updated_at: datetime.datetime | Unset
        if isinstance(_updated_at,  Unset):
            updated_at = UNSET
        else:
            updated_at = datetime.datetime.fromisoformat(_updated_at)




        def _parse_webhook_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_secret = _parse_webhook_secret(d.pop("webhook_secret", UNSET))


        def _parse_webhook_secret_previous_until(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                webhook_secret_previous_until_type_0 = datetime.datetime.fromisoformat(data)



                return webhook_secret_previous_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        webhook_secret_previous_until = _parse_webhook_secret_previous_until(d.pop("webhook_secret_previous_until", UNSET))


        def _parse_webhook_signing_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_signing_secret = _parse_webhook_signing_secret(d.pop("webhook_signing_secret", UNSET))


        def _parse_webhook_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        webhook_url = _parse_webhook_url(d.pop("webhook_url", UNSET))


        subscription_saved = cls(
            channel=channel,
            enabled=enabled,
            id=id,
            kind=kind,
            author=author,
            category=category,
            consecutive_failures=consecutive_failures,
            created_at=created_at,
            disabled_reason=disabled_reason,
            frequency=frequency,
            last_sent_at=last_sent_at,
            min_score=min_score,
            query=query,
            updated_at=updated_at,
            webhook_secret=webhook_secret,
            webhook_secret_previous_until=webhook_secret_previous_until,
            webhook_signing_secret=webhook_signing_secret,
            webhook_url=webhook_url,
        )

        return subscription_saved

