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
  from ..models.reference_out import ReferenceOut





T = TypeVar("T", bound="PaperDetail")



@_attrs_define
class PaperDetail:
    """ 
        Attributes:
            id (str):
            reads (int): read events recorded
            stars (int): users who currently star it
            title (str):
            abstract (str | Unset):
            authors (list[str] | Unset):
            categories (list[str] | Unset):
            code_urls (list[str] | Unset):
            comment (None | str | Unset):
            created_at (datetime.datetime | Unset):
            published_at (datetime.datetime | None | Unset):
            references (list[ReferenceOut] | Unset): what the paper cites
            updated_at (datetime.datetime | Unset):
            url (None | str | Unset):
     """

    id: str
    reads: int
    stars: int
    title: str
    abstract: str | Unset = UNSET
    authors: list[str] | Unset = UNSET
    categories: list[str] | Unset = UNSET
    code_urls: list[str] | Unset = UNSET
    comment: None | str | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    published_at: datetime.datetime | None | Unset = UNSET
    references: list[ReferenceOut] | Unset = UNSET
    updated_at: datetime.datetime | Unset = UNSET
    url: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.reference_out import ReferenceOut # noqa: PLC0415
        id = self.id

        reads = self.reads

        stars = self.stars

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

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        published_at: None | str | Unset
        if isinstance(self.published_at, Unset):
            published_at = UNSET
        elif isinstance(self.published_at, datetime.datetime):
            published_at = self.published_at.isoformat()
        else:
            published_at = self.published_at

        references: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.references, Unset):
            references = []
            for references_item_data in self.references:
                references_item = references_item_data.to_dict()
                references.append(references_item)



        updated_at: str | Unset = UNSET
        if not isinstance(self.updated_at, Unset):
            updated_at = self.updated_at.isoformat()

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "id": id,
            "reads": reads,
            "stars": stars,
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
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if published_at is not UNSET:
            field_dict["published_at"] = published_at
        if references is not UNSET:
            field_dict["references"] = references
        if updated_at is not UNSET:
            field_dict["updated_at"] = updated_at
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.reference_out import ReferenceOut # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        reads = d.pop("reads")

        stars = d.pop("stars")

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


        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at,  Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)




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


        _references = d.pop("references", UNSET)
        references: list[ReferenceOut] | Unset = UNSET
        if _references is not UNSET:
            references = []
            for references_item_data in _references:
                references_item = ReferenceOut.from_dict(references_item_data)



                references.append(references_item)


        _updated_at = d.pop("updated_at", UNSET)
        updated_at: datetime.datetime | Unset
        if isinstance(_updated_at,  Unset):
            updated_at = UNSET
        else:
            updated_at = datetime.datetime.fromisoformat(_updated_at)




        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))


        paper_detail = cls(
            id=id,
            reads=reads,
            stars=stars,
            title=title,
            abstract=abstract,
            authors=authors,
            categories=categories,
            code_urls=code_urls,
            comment=comment,
            created_at=created_at,
            published_at=published_at,
            references=references,
            updated_at=updated_at,
            url=url,
        )

        return paper_detail

