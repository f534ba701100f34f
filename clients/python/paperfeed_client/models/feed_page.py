from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.feed_item import FeedItem





T = TypeVar("T", bound="FeedPage")



@_attrs_define
class FeedPage:
    """ 
        Attributes:
            feed_id (str): Send back in events' context to credit clicks and reads to this feed.
            items (list[FeedItem]):
            model_version (None | str):
            next_cursor (None | str): null on the last page
     """

    feed_id: str
    items: list[FeedItem]
    model_version: None | str
    next_cursor: None | str





    def to_dict(self) -> dict[str, Any]:
        from ..models.feed_item import FeedItem # noqa: PLC0415
        feed_id = self.feed_id

        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)



        model_version: None | str
        model_version = self.model_version

        next_cursor: None | str
        next_cursor = self.next_cursor


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "feed_id": feed_id,
            "items": items,
            "model_version": model_version,
            "next_cursor": next_cursor,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.feed_item import FeedItem # noqa: PLC0415
        d = dict(src_dict)
        feed_id = d.pop("feed_id")

        items = []
        _items = d.pop("items")
        for items_item_data in (_items):
            items_item = FeedItem.from_dict(items_item_data)



            items.append(items_item)


        def _parse_model_version(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        model_version = _parse_model_version(d.pop("model_version"))


        def _parse_next_cursor(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor"))


        feed_page = cls(
            feed_id=feed_id,
            items=items,
            model_version=model_version,
            next_cursor=next_cursor,
        )

        return feed_page

