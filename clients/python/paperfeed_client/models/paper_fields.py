from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime






T = TypeVar("T", bound="PaperFields")



@_attrs_define
class PaperFields:
    """ 
        Attributes:
            title (str):
            abstract (str | Unset):  Default: ''.
            authors (list[str] | Unset):
            categories (list[str] | Unset):
            code_urls (list[str] | Unset):
            comment (None | str | Unset):
            published_at (datetime.datetime | None | Unset):
            references (list[str] | None | Unset): Works the paper cites: arXiv ids (2401.01234, arXiv:2401.01234v2, hep-
                th/9901001) or DOIs (10.1145/…, doi:…, https://doi.org/…), at most 500. Stored as canonical keys (arxiv:…,
                doi:…) and linked to the cited catalogue paper when it is here or arrives later. Omitted or null: the stored
                references are kept; []: they are removed.
            url (None | str | Unset):
     """

    title: str
    abstract: str | Unset = ''
    authors: list[str] | Unset = UNSET
    categories: list[str] | Unset = UNSET
    code_urls: list[str] | Unset = UNSET
    comment: None | str | Unset = UNSET
    published_at: datetime.datetime | None | Unset = UNSET
    references: list[str] | None | Unset = UNSET
    url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        title = self.title

        abstract = self.abstract

        authors: list[str] | Unset = UNSET
        if not isinstance(self.authors, Unset):
            authors = self.authors



        categories: list[str] | Unset = UNSET
        if not isinstance(self.categories, Unset):
            categories = self.categories



        code_urls: list[str] | Unset = UNSET
        if not isinstance(self.code_urls, Unset):
            code_urls = self.code_urls



        comment: None | str | Unset
        if isinstance(self.comment, Unset):
            comment = UNSET
        else:
            comment = self.comment

        published_at: None | str | Unset
        if isinstance(self.published_at, Unset):
            published_at = UNSET
        elif isinstance(self.published_at, datetime.datetime):
            published_at = self.published_at.isoformat()
        else:
            published_at = self.published_at

        references: list[str] | None | Unset
        if isinstance(self.references, Unset):
            references = UNSET
        elif isinstance(self.references, list):
            references = self.references


        else:
            references = self.references

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "title": title,
        })
        if abstract is not UNSET:
            field_dict["abstract"] = abstract
        if authors is not UNSET:
            field_dict["authors"] = authors
        if categories is not UNSET:
            field_dict["categories"] = categories
        if code_urls is not UNSET:
            field_dict["code_urls"] = code_urls
        if comment is not UNSET:
            field_dict["comment"] = comment
        if published_at is not UNSET:
            field_dict["published_at"] = published_at
        if references is not UNSET:
            field_dict["references"] = references
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        title = d.pop("title")

        abstract = d.pop("abstract", UNSET)

        authors = cast(list[str], d.pop("authors", UNSET))


        categories = cast(list[str], d.pop("categories", UNSET))


        code_urls = cast(list[str], d.pop("code_urls", UNSET))


        def _parse_comment(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        comment = _parse_comment(d.pop("comment", UNSET))


        def _parse_published_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                published_at_type_0 = datetime.datetime.fromisoformat(data)



                return published_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        published_at = _parse_published_at(d.pop("published_at", UNSET))


        def _parse_references(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                references_type_0 = cast(list[str], data)

                return references_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        references = _parse_references(d.pop("references", UNSET))


        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))


        paper_fields = cls(
            title=title,
            abstract=abstract,
            authors=authors,
            categories=categories,
            code_urls=code_urls,
            comment=comment,
            published_at=published_at,
            references=references,
            url=url,
        )


        paper_fields.additional_properties = d
        return paper_fields

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
