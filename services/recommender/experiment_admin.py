"""Operating experiments: create, pause, resume, stop, read out, promote. The API and the dashboard
both call these with the request's connection (one transaction; nothing here commits).

Lifecycle: running ⇄ paused → stopped. Stopping freezes the readout into the row (the experiment's
feeds may then be pruned); an experiment whose end has passed is stopped the first time it is read.
Every change of what feeds are ranked with (start, pause, resume, stop, promote) also stops stored
feeds from being served again, so readers move to their new treatment at their next request.
Promoting writes the variant's overrides into ``settings_overrides``, which every feed reads before
ranking (experiments.load_treatment): the running service picks the new defaults up at once. A
variant's model version pins (FEED_PIN_INDEX / FEED_PIN_CF) are checked against the published
versions when the experiment is created, are for split experiments only (an interleaved feed mixes
two rankings in one list but records one set of versions), and are promoted by making the pinned
version live, as a rollback on the Models page does, not by pinning every reader.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, TypeVar

import numpy as np
import psycopg

from services.errors import Conflict, InvalidInput, NotFound
from services.recommender import readout
from services.recommender.experiments import (
    Experiment,
    Metric,
    Mode,
    Status,
    Surface,
    canonical_overrides,
)
from services.recommender.serving import PIN_SETTINGS
from services.store import experiments as store
from services.store import feeds as feeds_store
from services.store import models as models_store

MAX_VARIANTS = 8
DEFAULT_DURATION = dt.timedelta(days=14)
MAX_DURATION = dt.timedelta(days=90)
# Feeds ranked before an experiment existed carry no assignment: a start far in the past means nothing.
EARLIEST_START = dt.timedelta(hours=1)
SHARE_SLACK = 1e-9
E = TypeVar("E", bound=StrEnum)


def create(conn: psycopg.Connection, spec: Mapping[str, Any], created_by: str | None) -> dict[str, Any]:
    """Start an experiment from a validated shape (schemas.experiments.ExperimentIn); every rule the
    schema cannot know is checked here and raises InvalidInput naming the field, or Conflict."""
    mode = choice(Mode, spec.get("mode", Mode.SPLIT), "mode")
    surface = choice(Surface, spec.get("surface", Surface.FEED), "surface")
    variants = _variants(spec["variants"], mode)
    _check_pins(conn, variants, mode)
    now = conn.execute("SELECT now() AS now").fetchone()["now"]
    starts_at = spec.get("starts_at") or now
    if not now - EARLIEST_START <= starts_at <= now + MAX_DURATION:
        raise InvalidInput("starts_at", f"from {EARLIEST_START} ago to {MAX_DURATION.days} days ahead")
    ends_at = spec.get("ends_at") or starts_at + DEFAULT_DURATION
    if ends_at <= max(starts_at, now):
        raise InvalidInput("ends_at", "must be after starts_at and in the future")
    if ends_at - starts_at > MAX_DURATION:
        raise InvalidInput("ends_at", f"at most {MAX_DURATION.days} days after starts_at")
    primary = choice(Metric, spec.get("primary_metric", Metric.CTR), "primary_metric")
    independent = bool(spec.get("independent", False))
    _check_alongside(conn, surface, mode, independent, variants, exclude=None)
    try:
        row = store.insert(conn, name=spec["name"], description=spec.get("description") or "", surface=surface,
                           mode=mode, independent=independent, primary_metric=primary, variants=variants,
                           starts_at=spec.get("starts_at"), ends_at=ends_at, created_by=created_by)
    except psycopg.errors.UniqueViolation as exc:
        raise _conflict(exc) from None
    feeds_store.expire_reusable(conn)
    return row


def choice(enum: type[E], value: str, field: str) -> E:
    """``value`` as a member of ``enum``, or InvalidInput naming ``field`` and the choices."""
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(field, f"expected one of {', '.join(m.value for m in enum)}") from None


def _variants(raw: list[Mapping[str, Any]], mode: Mode) -> list[dict[str, Any]]:
    if not 2 <= len(raw) <= MAX_VARIANTS:
        raise InvalidInput("variants", f"2 to {MAX_VARIANTS} variants (the first is the control)")
    if mode is Mode.INTERLEAVE and len(raw) != 2:
        raise InvalidInput("variants", "interleaving compares exactly 2 variants")
    names = [v["name"] for v in raw]
    if len(set(names)) != len(names):
        raise InvalidInput("variants", "variant names must differ")
    if sum(v["share"] for v in raw) > 1 + SHARE_SLACK:
        raise InvalidInput("variants", "shares must sum to at most 1 (the rest of the readers get the defaults)")
    return [{"name": v["name"], "share": v["share"],
             "overrides": canonical_overrides(v.get("overrides") or {}, f"variants.{i}.overrides")}
            for i, v in enumerate(raw)]


def _check_pins(conn: psycopg.Connection, variants: list[dict[str, Any]], mode: Mode) -> None:
    """Every pin names a published version of its kind; none in an interleaved experiment."""
    for i, variant in enumerate(variants):
        for kind, name in PIN_SETTINGS.items():
            version = variant["overrides"].get(name)
            if not version:
                continue
            field = f"variants.{i}.overrides.{name}"
            if mode is Mode.INTERLEAVE:
                raise InvalidInput(field, "model version pins are for split experiments: an interleaved feed "
                                          "mixes two rankings but records one set of model versions")
            if models_store.by_version(conn, kind, version) is None:
                raise InvalidInput(field, f"no published {kind} version {version!r} (the Models page lists them)")


def _check_alongside(conn: psycopg.Connection, surface: Surface, mode: Mode, independent: bool,
                     variants: list[dict[str, Any]], exclude: int | None) -> None:
    """Experiments may run together only when declared independent and touching different settings."""
    mine = {name for v in variants for name in v["overrides"]}
    for other in store.running_on(conn, surface, exclude=exclude):
        if not (independent or other["independent"]):
            raise Conflict(f"experiment {other['name']!r} is running on {surface}: stop it, or declare this one "
                           "independent", errors={"independent": ["another experiment is running on this surface"]})
        shared = mine & {name for v in other["variants"] for name in v["overrides"]}
        if shared:
            raise Conflict(f"experiment {other['name']!r} also changes {', '.join(sorted(shared))}",
                           errors={"variants": [f"{', '.join(sorted(shared))} already varied by {other['name']!r}"]})
        if mode is Mode.INTERLEAVE and other["mode"] == Mode.INTERLEAVE:
            raise Conflict(f"experiment {other['name']!r} already interleaves on {surface}",
                           errors={"mode": ["one interleaved experiment per surface"]})


def _conflict(exc: psycopg.errors.UniqueViolation) -> Conflict:
    if exc.diag.constraint_name == store.NAME_KEY:
        return Conflict("an experiment of that name exists", errors={"name": ["already taken"]})
    return Conflict("another experiment is running on this surface",
                    errors={"independent": ["another experiment is running on this surface"]})


def get(conn: psycopg.Connection, experiment_id: int) -> dict[str, Any]:
    row = store.get(conn, experiment_id)
    if row is None:
        raise NotFound(f"no experiment {experiment_id}")
    return row


def pause(conn: psycopg.Connection, experiment_id: int) -> dict[str, Any]:
    return _move(conn, experiment_id, Status.RUNNING, Status.PAUSED)


def resume(conn: psycopg.Connection, experiment_id: int) -> dict[str, Any]:
    row = store.get(conn, experiment_id, for_update=True)
    if row is not None and row["status"] == Status.PAUSED:
        _check_alongside(conn, Surface(row["surface"]), Mode(row["mode"]), row["independent"], row["variants"],
                         exclude=experiment_id)
    try:
        return _move(conn, experiment_id, Status.PAUSED, Status.RUNNING)
    except psycopg.errors.UniqueViolation as exc:
        raise _conflict(exc) from None


def stop(conn: psycopg.Connection, experiment_id: int, *, promoted: str | None = None) -> dict[str, Any]:
    """Stop for good, freezing the readout as it stands now."""
    row = store.get(conn, experiment_id, for_update=True)
    if row is None:
        raise NotFound(f"no experiment {experiment_id}")
    if row["status"] == Status.STOPPED:
        raise Conflict(f"experiment {experiment_id} is already stopped", errors={"status": ["stopped"]})
    frozen = compute_results(conn, row)
    feeds_store.expire_reusable(conn)
    return store.set_status(conn, experiment_id, Status.STOPPED, results=frozen, promoted=promoted)


def _move(conn: psycopg.Connection, experiment_id: int, source: Status, target: Status) -> dict[str, Any]:
    row = store.get(conn, experiment_id, for_update=True)
    if row is None:
        raise NotFound(f"no experiment {experiment_id}")
    if row["status"] != source:
        raise Conflict(f"experiment {experiment_id} is {row['status']}, not {source}",
                       errors={"status": [f"must be {source}"]})
    feeds_store.expire_reusable(conn)
    return store.set_status(conn, experiment_id, target)


def results(conn: psycopg.Connection, experiment_id: int) -> dict[str, Any]:
    """The readout: frozen once stopped; an experiment past its end is stopped here first."""
    row = get(conn, experiment_id)
    if row["status"] != Status.STOPPED and row["ends_at"] <= conn.execute("SELECT now() AS t").fetchone()["t"]:
        row = stop(conn, experiment_id)
    frozen = row["results"] if row["status"] == Status.STOPPED and row["results"] is not None else None
    return {"experiment": row, **(frozen or compute_results(conn, row)), "frozen": frozen is not None}


def compute_results(conn: psycopg.Connection, row: Mapping[str, Any]) -> dict[str, Any]:
    experiment = Experiment.from_row(row)
    until = min(row["ends_at"], row["stopped_at"] or row["ends_at"])
    names = [v.name for v in experiment.variants]
    if experiment.mode is Mode.INTERLEAVE:
        rows = store.interleaved_readers(conn, experiment.id, start=row["starts_at"], until=until)
        out = readout.interleaved_readout((names[0], names[1]), *_team_matrix(rows, names[:2]))
    else:
        rows = store.split_readers(conn, experiment.id, start=row["starts_at"], until=until)
        columns: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            for c in readout.COUNTS:
                columns[r["variant"]][c].append(r[c])
        arrays = {v: {c: np.asarray(values, dtype=float) for c, values in cols.items()} for v, cols in columns.items()}
        out = readout.split_readout([(v.name, v.share) for v in experiment.variants], arrays,
                                    Metric(row["primary_metric"]))
    out["offline"] = offline_metrics(conn, experiment.id)
    return _json_safe(out)


def _team_matrix(rows: list[Mapping[str, Any]], names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    readers = sorted({r["user_id"] for r in rows})
    at = {u: i for i, u in enumerate(readers)}
    clicks, stars, shown = (np.zeros((len(readers), 2)) for _ in range(3))
    for r in rows:
        if r["team"] in names:
            j = names.index(r["team"])
            clicks[at[r["user_id"]], j] = r["clicks"]
            stars[at[r["user_id"]], j] = r["stars"]
            shown[at[r["user_id"]], j] = r["impressions"]
    return clicks, stars, shown


def offline_metrics(conn: psycopg.Connection, experiment_id: int) -> dict[str, list[dict[str, Any]]]:
    """variant → the model versions its feeds were ranked by, with their offline metrics."""
    used = store.model_versions_used(conn, experiment_id)
    pairs = {tuple(part.split(":", 1)) for r in used for part in (r["model_version"] or "").split(";") if ":" in part}
    metrics = store.model_metrics(conn, sorted(pairs))
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in used:
        for part in (r["model_version"] or "").split(";"):
            if ":" in part:
                kind, version = part.split(":", 1)
                out[r["variant"]].append({"kind": kind, "version": version, "feeds": r["feeds"],
                                          "metrics": metrics.get((kind, version), {})})
    return dict(out)


def _json_safe(value: Any) -> Any:
    """NaN and infinities (no data yet) as null: the readout is stored as JSON and served as JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def promote(conn: psycopg.Connection, experiment_id: int, variant: str, *, force: bool = False,
            source: str | None = None) -> dict[str, Any]:
    """Make ``variant``'s overrides the feed defaults and stop the experiment. Only the readout's
    winner unless ``force``; the control's overrides (often none) may be promoted the same way."""
    current = results(conn, experiment_id)
    row = current["experiment"]
    chosen = next((v for v in row["variants"] if v["name"] == variant), None)
    if chosen is None:
        raise InvalidInput("variant", f"not a variant of this experiment: {', '.join(v['name'] for v in row['variants'])}")
    if row["promoted"] is not None:
        raise Conflict(f"variant {row['promoted']!r} was already promoted", errors={"variant": ["already promoted"]})
    if not force and current["winner"] != variant:
        raise Conflict(f"the readout has {'no winner yet' if current['winner'] is None else repr(current['winner'])}"
                       f"; send force=true to promote {variant!r} anyway",
                       errors={"variant": ["not the winner of the readout"]})
    overrides = dict(chosen["overrides"])
    for kind, name in PIN_SETTINGS.items():  # a pin is promoted by making its version live
        version = overrides.pop(name, "")
        pinned = models_store.by_version(conn, kind, version) if version else None
        if pinned is not None:
            models_store.make_live(conn, pinned["id"])
    if overrides:
        store.set_defaults(conn, overrides, source or f"experiment {row['name']} / {variant}")
    if row["status"] == Status.STOPPED:
        feeds_store.expire_reusable(conn)
        return store.set_status(conn, experiment_id, Status.STOPPED, promoted=variant)
    return stop(conn, experiment_id, promoted=variant)


def defaults(conn: psycopg.Connection) -> list[dict[str, Any]]:
    return store.defaults(conn)


def reset_defaults(conn: psycopg.Connection) -> int:
    """Forget every promoted default: feeds go back to the deployment's environment."""
    feeds_store.expire_reusable(conn)
    return store.clear_defaults(conn)


def listing(conn: psycopg.Connection, *, status: str | None, limit: int, after: tuple | None) -> list[dict[str, Any]]:
    """Newest first, optionally of one status; ``after`` = (created_at, id) of the last row seen."""
    chosen = choice(Status, status, "status") if status else None
    return store.recent(conn, status=chosen, limit=limit, after=after)
