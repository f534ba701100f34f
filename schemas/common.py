"""Field rules shared by every resource (ids, bounded strings and lists)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

MAX_ID_LENGTH = 128


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
