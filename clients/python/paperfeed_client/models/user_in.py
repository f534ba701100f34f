from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="UserIn")



@_attrs_define
class UserIn:
    """ 
        Attributes:
            email (None | str | Unset):
            name (None | str | Unset):
            seed_papers (list[str] | None | Unset): Up to 100 paper ids the user is interested in: starred at once (context
                source=seed), so the first feed already reflects them. Write-only, additive, idempotent.
            timezone (str | Unset):  Default: 'UTC'.
     """

    email: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    seed_papers: list[str] | None | Unset = UNSET
    timezone: str | Unset = 'UTC'
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        email: None | str | Unset
        if isinstance(self.email, Unset):
            email = UNSET
        else:
            email = self.email

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        seed_papers: list[str] | None | Unset
        if isinstance(self.seed_papers, Unset):
            seed_papers = UNSET
        elif isinstance(self.seed_papers, list):
            seed_papers = self.seed_papers


        else:
            seed_papers = self.seed_papers

        timezone = self.timezone


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
        })
        if email is not UNSET:
            field_dict["email"] = email
        if name is not UNSET:
            field_dict["name"] = name
        if seed_papers is not UNSET:
            field_dict["seed_papers"] = seed_papers
        if timezone is not UNSET:
            field_dict["timezone"] = timezone

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        def _parse_email(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        email = _parse_email(d.pop("email", UNSET))


        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))


        def _parse_seed_papers(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                seed_papers_type_0 = cast(list[str], data)

                return seed_papers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        seed_papers = _parse_seed_papers(d.pop("seed_papers", UNSET))


        timezone = d.pop("timezone", UNSET)

        user_in = cls(
            email=email,
            name=name,
            seed_papers=seed_papers,
            timezone=timezone,
        )


        user_in.additional_properties = d
        return user_in

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
