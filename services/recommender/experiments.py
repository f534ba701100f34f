"""Online experiments as data: what a variant may change, who gets which variant, and the Settings a
feed is ranked with.

A variant is a named set of ``FEED_*`` overrides, written as the environment would write them
(``{"FEED_WEIGHT_CF": "0.8"}``) and parsed by the Settings field's own parser, so a variant accepts
exactly the values the deployment's environment would. Operational ``FEED_*`` settings (retention,
reuse, precompute) are not ranking choices and cannot be overridden.

Assignment is a pure function of (experiment id, user id): SHA-256 of both, read as a number in
[0, 1), against the variants' cumulative traffic shares. A reader therefore stays in one variant for
the life of the experiment, in every API process and in the worker's precompute, with nothing stored
until a feed is (the feed records its assignments). Shares may sum to less than 1: the rest of the
readers are outside the experiment and get the defaults.

The Settings a feed is ranked with (``treatment``) = the deployment's Settings, then the promoted
defaults of ``settings_overrides`` (see ``promote`` in experiment_admin), then the overrides of each
running experiment the reader is assigned to. Nothing here is cached: one small query per ranked feed
(``load_treatment``) keeps every process in step the moment an operator starts, stops or promotes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg

from services.config import Settings
from services.errors import InvalidInput
from services.store import experiments as store

# FEED_* settings that say how feeds are stored and refreshed, not how they are ranked.
NOT_RANKING = frozenset({"FEED_RETENTION_HOURS", "FEED_REUSE_SECONDS", "FEED_PRECOMPUTE_ACTIVE_DAYS",
                         "FEED_PRECOMPUTE_MAX_USERS", "FEED_PRECOMPUTE_EVERY_SECONDS"})
RANKING_PREFIX = "FEED_"
MAX_OVERRIDES = 32
MAX_VALUE_LENGTH = 200
# The variant name recorded for an interleaved feed (both variants contributed; items carry "t").
INTERLEAVED = "*interleaved"
HASH_SPACE = float(2 ** 64)


class Surface(StrEnum):
    """Where an experiment's variants apply. One running experiment per surface unless independent."""

    FEED = "feed"


class Mode(StrEnum):
    SPLIT = "split"            # each reader sees one variant
    INTERLEAVE = "interleave"  # each feed mixes two variants by team draft; clicks credit the contributor


class Status(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class Metric(StrEnum):
    CTR = "ctr"
    STAR_RATE = "star_rate"
    DISMISS_RATE = "dismiss_rate"
    READS_PER_READER_DAY = "reads_per_reader_day"


@dataclass(frozen=True)
class Variant:
    name: str
    share: float
    overrides: Mapping[str, str]  # env name → raw value, as stored


@dataclass(frozen=True)
class Experiment:
    id: int
    name: str
    surface: Surface
    mode: Mode
    independent: bool
    status: Status
    variants: tuple[Variant, ...]
    starts_at: dt.datetime
    ends_at: dt.datetime

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Experiment:
        return cls(id=row["id"], name=row["name"], surface=Surface(row["surface"]), mode=Mode(row["mode"]),
                   independent=row["independent"], status=Status(row["status"]),
                   variants=tuple(Variant(v["name"], float(v["share"]), dict(v["overrides"]))
                                  for v in row["variants"]),
                   starts_at=row["starts_at"], ends_at=row["ends_at"])

    def active_at(self, now: dt.datetime) -> bool:
        return self.status is Status.RUNNING and self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class Interleave:
    """Two teams to draft one feed from: (variant name, Settings) each."""

    experiment_id: int
    teams: tuple[tuple[str, Settings], tuple[str, Settings]]


@dataclass(frozen=True)
class Treatment:
    """What one feed is ranked with, and what the stored feed records about it."""

    settings: Settings
    assignments: Mapping[str, str]  # experiment id (text) → variant name (or INTERLEAVED)
    interleave: Interleave | None = None


@functools.cache
def overridable() -> dict[str, dataclasses.Field]:
    """Env name → Settings field, for every setting a variant (or a promotion) may change (computed once:
    every ranked feed asks)."""
    return {f.metadata["env"]: f for f in dataclasses.fields(Settings)
            if f.metadata["env"].startswith(RANKING_PREFIX) and f.metadata["env"] not in NOT_RANKING}


def canonical_overrides(raw: Mapping[str, Any], where: str) -> dict[str, str]:
    """Check ``raw`` ({FEED_* name: value}) against the Settings parsers; return it with every value
    as the env string it was checked as. Raises InvalidInput naming ``where``.NAME."""
    if not isinstance(raw, Mapping):
        raise InvalidInput(where, "expected an object of FEED_* settings")
    if len(raw) > MAX_OVERRIDES:
        raise InvalidInput(where, f"at most {MAX_OVERRIDES} settings")
    allowed = overridable()
    out: dict[str, str] = {}
    for name, value in raw.items():
        field = f"{where}.{name}"
        if name not in allowed:
            raise InvalidInput(field, f"not a setting a variant may change; one of {', '.join(sorted(allowed))}")
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, (int, float, str)):
            text = str(value)
        else:
            raise InvalidInput(field, "expected a string, number or boolean")
        if len(text) > MAX_VALUE_LENGTH:
            raise InvalidInput(field, f"at most {MAX_VALUE_LENGTH} characters")
        try:
            allowed[name].metadata["parse"](text)
        except ValueError as exc:
            raise InvalidInput(field, str(exc)) from None
        out[name] = text.strip()
    return out


def parse_overrides(overrides: Mapping[str, str]) -> dict[str, Any]:
    """Stored (already validated) overrides → Settings field name → typed value. A name no longer
    overridable (a setting renamed since) is skipped rather than breaking every feed."""
    allowed = overridable()
    return {allowed[n].name: allowed[n].metadata["parse"](v) for n, v in overrides.items() if n in allowed}


def bucket(experiment_id: int, user_id: str) -> float:
    """The reader's stable position in [0, 1) for this experiment."""
    digest = hashlib.sha256(f"{experiment_id}\x1f{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / HASH_SPACE


def assign(experiment: Experiment, user_id: str) -> Variant | None:
    """The reader's variant, or None when they fall outside the experiment's traffic."""
    position, edge = bucket(experiment.id, user_id), 0.0
    for variant in experiment.variants:
        edge += variant.share
        if position < edge:
            return variant
    return None


def treatment(base: Settings, defaults: Mapping[str, str], active: Sequence[Experiment], user_id: str
              ) -> Treatment:
    """The Settings for this reader's feed (pure; see the module docstring for the layering)."""
    settings = base.replace(**parse_overrides(defaults)) if defaults else base
    assignments: dict[str, str] = {}
    interleave_of: tuple[Experiment, Variant, Variant] | None = None
    for experiment in active:
        variant = assign(experiment, user_id)
        if variant is None:
            continue
        if experiment.mode is Mode.INTERLEAVE:
            if interleave_of is None:  # one interleaving per feed: a second one waits (validated at start)
                interleave_of = (experiment, *experiment.variants[:2])
                assignments[str(experiment.id)] = INTERLEAVED
            continue
        settings = settings.replace(**parse_overrides(variant.overrides))
        assignments[str(experiment.id)] = variant.name
    if interleave_of is None:
        return Treatment(settings, assignments)
    experiment, a, b = interleave_of
    teams = ((a.name, settings.replace(**parse_overrides(a.overrides))),
             (b.name, settings.replace(**parse_overrides(b.overrides))))
    return Treatment(settings, assignments, Interleave(experiment.id, teams))


def load_treatment(conn: psycopg.Connection, settings: Settings, user_id: str) -> Treatment:
    """``treatment`` from the stored defaults and the experiments running now (one query)."""
    state = store.serving_state(conn)
    now = state["now"]
    active = [e for e in (Experiment.from_row(r) for r in state["experiments"]) if e.active_at(now)]
    return treatment(settings, state["defaults"], active, user_id)


def effective_settings(conn: psycopg.Connection, settings: Settings) -> Settings:
    """The deployment's Settings with the promoted defaults applied (no experiment)."""
    defaults = store.serving_state(conn)["defaults"]
    return settings.replace(**parse_overrides(defaults)) if defaults else settings
