"""Citation references as clients send them (arXiv ids, DOIs) and their one canonical spelling.

Canonical keys: ``arxiv:<id>`` (new-style ``2401.01234`` or old-style ``hep-th/9901001``, version
suffix dropped) and ``doi:<doi>`` (lower case: DOIs are case-insensitive). arXiv's own DOIs
(``10.48550/arXiv.<id>``) are arXiv ids. Accepted spellings: the bare id or DOI, an ``arXiv:`` or
``doi:`` prefix, and ``https://arxiv.org/abs/…`` / ``https://doi.org/…`` links.
"""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields

ARXIV_PREFIX = "arxiv:"
DOI_PREFIX = "doi:"
MAX_REFERENCE_LENGTH = 256
# References kept per paper: a long survey cites a few hundred works.
MAX_REFERENCES = 500

_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v\d+)?$")
_ARXIV_OLD = re.compile(r"^([a-z][a-z\-]*(\.[A-Z]{2})?/\d{7})(v\d+)?$")
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.IGNORECASE)
_LINK_PREFIXES = (("https://arxiv.org/abs/", ""), ("http://arxiv.org/abs/", ""), ("arxiv:", ""),
                  ("https://doi.org/", "doi:"), ("http://doi.org/", "doi:"), ("https://dx.doi.org/", "doi:"))


def canonical_reference(raw: str) -> str:
    """``raw`` as a canonical key; ValueError saying what is accepted when it is neither form."""
    text = raw.strip()
    if not text or len(text) > MAX_REFERENCE_LENGTH:
        raise ValueError(f"must be 1 to {MAX_REFERENCE_LENGTH} characters")
    lowered = text.lower()
    for prefix, replacement in _LINK_PREFIXES:
        if lowered.startswith(prefix):
            text, lowered = replacement + text[len(prefix):], replacement + lowered[len(prefix):]
            break
    if lowered.startswith(DOI_PREFIX):
        doi = text[len(DOI_PREFIX):].strip()
        arxiv = _ARXIV_DOI.match(doi)
        if arxiv:
            return _arxiv(arxiv.group(1))
        if _DOI.match(doi):
            return DOI_PREFIX + doi.lower()
        raise ValueError("not a DOI (expected 10.<registrant>/<suffix>)")
    if _DOI.match(text):
        arxiv = _ARXIV_DOI.match(text)
        return _arxiv(arxiv.group(1)) if arxiv else DOI_PREFIX + text.lower()
    return _arxiv(text)


def _arxiv(text: str) -> str:
    for pattern in (_ARXIV_NEW, _ARXIV_OLD):
        match = pattern.match(text)
        if match:
            return ARXIV_PREFIX + match.group(1)
    raise ValueError("not an arXiv id (e.g. 2401.01234 or hep-th/9901001) or a DOI (e.g. 10.1145/3292500.3330919)")


class Reference(fields.String):
    """A reference field: loads any accepted spelling as its canonical key."""

    def _deserialize(self, value, attr, data, **kwargs):  # noqa: ANN001, ANN202 - marshmallow's signature
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return canonical_reference(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
