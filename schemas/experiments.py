"""Experiment shapes (admin keys). The choices (surface, mode, metric) and the override names are
checked by the service against its enums and the Settings parsers, so they are named once."""

from __future__ import annotations

import re

from marshmallow import Schema, ValidationError, fields, validate

from schemas.common import Body, BoundedString, Input
from schemas.pagination import Page, PageQuery

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
MAX_VARIANTS_ACCEPTED = 16  # the service's own limit (8) is the one reported; this bounds the input


def _name(value: str) -> None:
    if not NAME.match(value):
        raise ValidationError("letters, digits, spaces, '.', '_' and '-', starting with a letter or digit")


class VariantIn(Body):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=40), _name])
    share = fields.Float(required=True, validate=validate.Range(min=0, max=1, min_inclusive=False),
                         metadata={"description": "Share of readers (split), or of readers who get the "
                                                  "interleaved feed (sum of both, interleave)."})
    overrides = fields.Dict(keys=fields.String(validate=validate.Length(max=64)), load_default=dict,
                            metadata={"description": "FEED_* setting → value, as in the environment, e.g. "
                                                     "{\"FEED_WEIGHT_CF\": \"0.8\"}. Empty: the defaults."})


class ExperimentIn(Body):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), _name])
    description = BoundedString(2000, load_default="")
    surface = BoundedString(32, load_default="feed", metadata={"description": "feed"})
    mode = BoundedString(32, load_default="split", metadata={"description": "split or interleave"})
    independent = fields.Boolean(load_default=False,
                                 metadata={"description": "May run beside other experiments of the surface "
                                                          "(they must vary other settings)."})
    primary_metric = BoundedString(32, load_default="ctr",
                                   metadata={"description": "ctr, star_rate, dismiss_rate or reads_per_reader_day"})
    variants = fields.List(fields.Nested(VariantIn), required=True,
                           validate=validate.Length(min=1, max=MAX_VARIANTS_ACCEPTED),
                           metadata={"description": "The first variant is the control."})
    starts_at = fields.AwareDateTime(load_default=None, metadata={"description": "Default: now."})
    ends_at = fields.AwareDateTime(load_default=None,
                                   metadata={"description": "Default: 14 days after the start; at most 90."})


class ExperimentQuery(PageQuery):
    status = BoundedString(16, load_default=None, metadata={"description": "running, paused or stopped"})


class PromoteIn(Body):
    variant = BoundedString(40, min_length=1, required=True)
    force = fields.Boolean(load_default=False,
                           metadata={"description": "Promote a variant that is not the readout's winner."})


class VariantOut(Schema):
    name = fields.String(required=True)
    share = fields.Float(required=True)
    overrides = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class ExperimentOut(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    description = fields.String(required=True)
    surface = fields.String(required=True)
    mode = fields.String(required=True)
    independent = fields.Boolean(required=True)
    primary_metric = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "running, paused or stopped"})
    variants = fields.List(fields.Nested(VariantOut), required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    stopped_at = fields.DateTime(allow_none=True)
    promoted = fields.String(allow_none=True)
    created_by = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class ExperimentPage(Page):
    items = fields.List(fields.Nested(ExperimentOut), required=True)


class ResultsOut(Schema):
    experiment = fields.Nested(ExperimentOut, required=True)
    mode = fields.String(required=True)
    primary_metric = fields.String(required=True)
    variants = fields.List(fields.Dict(), required=True,
                           metadata={"description": "Per variant: readers, counts, and each metric's value and "
                                                    "95% interval (delta method over readers)."})
    comparisons = fields.List(fields.Dict(), required=True,
                              metadata={"description": "Each variant against the control, per metric: estimate "
                                                       "(relative lift, or interleaving preference), ci (fixed "
                                                       "horizon, reference only), always_valid (peeking-safe) "
                                                       "and decision (better, worse or undecided)."})
    srm = fields.Dict(allow_none=True, metadata={"description": "Sample-ratio mismatch check (split only)."})
    enough_readers = fields.Boolean(required=True)
    min_readers = fields.Integer(required=True)
    winner = fields.String(allow_none=True, required=True)
    alpha = fields.Float(required=True)
    mixture_scale = fields.Float(required=True)
    offline = fields.Dict(metadata={"description": "variant → the model versions that ranked its feeds, with "
                                                   "their offline metrics."})
    frozen = fields.Boolean(required=True, metadata={"description": "true once stopped: the readout at the stop."})


class DefaultOut(Schema):
    name = fields.String(required=True)
    value = fields.String(required=True)
    source = fields.String(allow_none=True)
    updated_at = fields.DateTime(required=True)


class DefaultsOut(Schema):
    items = fields.List(fields.Nested(DefaultOut), required=True,
                        metadata={"description": "A handful at most: only FEED_* ranking settings are stored."})


class NoBody(Input):
    """POST actions take no body."""
