from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.history_item_context_type_0 import HistoryItemContextType0





T = TypeVar("T", bound="HistoryItem")



@_attrs_define
class HistoryItem:
    """ 
        Attributes:
            id (int):
            occurred_at (datetime.datetime):
            paper_id (str):
            received_at (datetime.datetime):
            type_ (str):
            context (HistoryItemContextType0 | None | Unset):
            event_id (None | str | Unset):
     """

    id: int
    occurred_at: datetime.datetime
    paper_id: str
    received_at: datetime.datetime
    type_: str
    context: HistoryItemContextType0 | None | Unset = UNSET
    event_id: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.history_item_context_type_0 import HistoryItemContextType0 # noqa: PLC0415
        id = self.id

        occurred_at = self.occurred_at.isoformat()

        paper_id = self.paper_id

        received_at = self.received_at.isoformat()

        type_ = self.type_

        context: dict[str, Any] | None | Unset
        if isinstance(self.context, Unset):
            context = UNSET
        elif isinstance(self.context, HistoryItemContextType0):
            context = self.context.to_dict()
        else:
            context = self.context

        event_id: None | str | Unset
        if isinstance(self.event_id, Unset):
            event_id = UNSET
        else:
            event_id = self.event_id


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "id": id,
            "occurred_at": occurred_at,
            "paper_id": paper_id,
            "received_at": received_at,
            "type": type_,
        })
        if context is not UNSET:
            field_dict["context"] = context
        if event_id is not UNSET:
            field_dict["event_id"] = event_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.history_item_context_type_0 import HistoryItemContextType0 # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))




        paper_id = d.pop("paper_id")

        received_at = datetime.datetime.fromisoformat(d.pop("received_at"))




        type_ = d.pop("type")

        def _parse_context(data: object) -> HistoryItemContextType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                context_type_0 = HistoryItemContextType0.from_dict(data)



                return context_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(HistoryItemContextType0 | None | Unset, data)

        context = _parse_context(d.pop("context", UNSET))


        def _parse_event_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        event_id = _parse_event_id(d.pop("event_id", UNSET))


        history_item = cls(
            id=id,
            occurred_at=occurred_at,
            paper_id=paper_id,
            received_at=received_at,
            type_=type_,
            context=context,
            event_id=event_id,
        )

        return history_item

