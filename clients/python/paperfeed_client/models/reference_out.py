from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="ReferenceOut")



@_attrs_define
class ReferenceOut:
    """ 
        Attributes:
            paper_id (None | str): the cited catalogue paper, null while it is not here
            ref (str): canonical key: arxiv:<id> or doi:<doi>
     """

    paper_id: None | str
    ref: str





    def to_dict(self) -> dict[str, Any]:
        paper_id: None | str
        paper_id = self.paper_id

        ref = self.ref


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "paper_id": paper_id,
            "ref": ref,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_paper_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        paper_id = _parse_paper_id(d.pop("paper_id"))


        ref = d.pop("ref")

        reference_out = cls(
            paper_id=paper_id,
            ref=ref,
        )

        return reference_out

