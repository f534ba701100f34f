"""Field rules shared by every resource (ids, bounded strings and lists)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

MAX_ID_LENGTH = 128
MAX_FIELD_SELECTION = 1000  # characters of a `fields=` list


def _nul_paths(value: Any, path: str = "") -> list[str]:
    """Paths of every string (keys included) holding a NUL character, which PostgreSQL cannot store."""
    if isinstance(value, str):
        return [path or "_schema"] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            found += [sub] if isinstance(key, str) and "\x00" in key else []
            found += _nul_paths(item, sub)
        return found
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _nul_paths(item, f"{path}.{i}" if path else str(i))]
    return []


class Input(Schema):
    """Base of every schema that loads client input: text may not contain NUL characters."""

    # Lists whose items are validated one by one later (batches): a bad item must not reject the batch.
    ITEMS_VALIDATED_SEPARATELY: tuple[str, ...] = ()

    @pre_load
    def _reject_nul(self, data: Any, **_: Any) -> Any:
        checked = ({k: v for k, v in data.items() if k not in self.ITEMS_VALIDATED_SEPARATELY}
                   if isinstance(data, dict) else data)
        paths = _nul_paths(checked)
        if paths:
            raise ValidationError({p: ["must not contain NUL (\\u0000) characters"] for p in paths})
        return data


class Body(Input):
    """Base of every request body: unknown keys are ignored, so clients written against a newer
    version of the contract keep working."""

    class Meta:
        unknown = EXCLUDE


def validate_client_id(value: str) -> None:
    """Client ids: 1–128 printable characters, no '/'."""
    if not 1 <= len(value) <= MAX_ID_LENGTH:
        raise ValidationError(f"must be 1 to {MAX_ID_LENGTH} characters")
    if "/" in value or not value.isprintable() or value.strip() != value:
        raise ValidationError("must be printable, without '/' or surrounding spaces")


def ClientId(**kwargs) -> fields.String:  # noqa: N802 - a field factory reads like a field class
    return fields.String(validate=validate_client_id, **kwargs)


def BoundedString(max_length: int, *, min_length: int = 0, **kwargs) -> fields.String:  # noqa: N802
    return fields.String(validate=validate.Length(min=min_length, max=max_length), **kwargs)


def BoundedList(inner: fields.Field, max_items: int, **kwargs) -> fields.List:  # noqa: N802
    return fields.List(inner, validate=validate.Length(max=max_items), **kwargs)


def flatten_messages(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow/webargs nested messages → {"events.3.paper_id": ["..."]}.

    webargs nests by location first ({"json": {...}, "query": {...}}); the location is dropped so that
    clients see the field names they sent.
    """
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in {"json", "query", "path", "form", "headers", "view_args"}:
                for k, v in flatten_messages(value, prefix).items():
                    out.setdefault(k, []).extend(v)
                continue
            path = f"{prefix}.{key}" if prefix else str(key)
            out.update(flatten_messages(value, path))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = list(messages)
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out.update(flatten_messages(value, f"{prefix}.{i}" if prefix else str(i)))
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out


def load_items(schema: Schema, items: list[Any], fast: Callable[[Any], dict[str, Any] | None] | None = None
               ) -> tuple[list[tuple[int, dict[str, Any]]], list[dict[str, Any]]]:
    """Validate each item of a batch on its own.

    Returns ``(valid, rejected)``: ``(index, data)`` for good items and ``{"index", "errors"}`` (field →
    messages) for the others, so one bad item never costs the good ones. ``fast(item)``, when given,
    answers first: ``schema.load(item)`` for items it is sure of, None to leave the item to the schema
    (e.g. schemas.events.load_event_fast).
    """
    valid: list[tuple[int, dict[str, Any]]] = []
    rejected: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        loaded = fast(item) if fast is not None else None
        if loaded is not None:
            valid.append((index, loaded))
            continue
        try:
            valid.append((index, schema.load(item)))
        except ValidationError as exc:
            rejected.append({"index": index, "errors": flatten_messages(exc.messages)})
    return valid, rejected


class StringList(fields.List):
    """A list of strings in a response, dumped in one step. Same output and OpenAPI type as
    ``fields.List(fields.String())``, which calls a field per item: a paper's authors can number hundreds,
    and that was the largest single cost of dumping a feed page."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.String(), **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> list[str] | None:
        if value is None:
            return None
        return [item if isinstance(item, str) else str(item) for item in value]



class FieldSelection(fields.String):
    """``fields=a,b,c``: which optional fields of each item a client wants (fewer bytes). Loads to a
    tuple of names; a name outside ``choices`` is a 422 naming this query parameter. ``always`` are
    sent whatever is asked (the contract requires them) and may be named without effect."""

    def __init__(self, choices: tuple[str, ...], always: tuple[str, ...], **kwargs: Any) -> None:
        self.choices, self.always = choices, always
        allowed = ", ".join((*always, *choices))
        description = (f"Comma-separated fields each item should carry, of: {allowed}. {', '.join(always)} "
                       f"are always sent; the other fields are left out unless named. Omitted: every field.")
        super().__init__(metadata={"description": description, "example": ",".join(always)}, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> tuple[str, ...]:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > MAX_FIELD_SELECTION:
            raise ValidationError(f"at most {MAX_FIELD_SELECTION} characters")
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = sorted({n for n in names if n not in self.choices and n not in self.always})
        if unknown:
            raise ValidationError(f"unknown field(s): {', '.join(unknown)}; choose from "
                                  f"{', '.join((*self.always, *self.choices))}")
        return tuple(n for n in self.choices if n in names)
