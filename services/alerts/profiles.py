"""Users' interest profiles for alerts: a few unit vectors per user, refreshed when their stars change.

The same clustering as the feed (``ranking.interest_centroids``), so an alert and the feed agree on
what a user is interested in. Stored in ``user_profiles`` so matching reads one small table instead of
every user's history.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from services.config import Settings
from services.db import Database
from services.recommender import ranking
from services.recommender.artifacts import ArtifactKind
from services.store import embeddings as embeddings_store
from services.store import models as models_store
from services.store import profiles as profiles_store

PROFILE_STARS = 100
PROFILE_READS = 50
USERS_PER_BATCH = 500
# Stars say more about interest than reads.
KIND_WEIGHTS = {"star": 2.0, "read": 1.0}


def live_embedder(db: Database) -> str | None:
    """The embedder whose vectors the live index serves (profiles and new papers must share it)."""
    with db.connection() as conn:
        live = models_store.live(conn, ArtifactKind.INDEX)
    return None if live is None else live["params"].get("embedder")


def build_profiles(evidence: list[dict[str, Any]], vectors: dict[str, np.ndarray], clusters: int
                   ) -> list[tuple[str, int, bytes, float, str | None]]:
    """(user_id, cluster, vector bytes, weight, anchor paper) rows from each user's evidence rows.

    The anchor is the user's own paper nearest the centroid: the "because you starred X" of an alert."""
    by_user: dict[str, list[dict[str, Any]]] = {}
    for row in evidence:
        if row["paper_id"] in vectors:
            by_user.setdefault(row["user_id"], []).append(row)
    out = []
    for user_id, rows in by_user.items():
        matrix = np.stack([vectors[r["paper_id"]] for r in rows])
        weights = np.array([KIND_WEIGHTS[r["kind"]] for r in rows], dtype=np.float32)
        centroids, labels = ranking.interest_centroids(matrix, weights, clusters)
        label_values = sorted(set(labels.tolist()))  # centroid j belongs to the j-th label
        for cluster, centroid in enumerate(centroids):
            members = np.flatnonzero(labels == label_values[cluster])
            nearest = members[int(np.argmax(matrix[members] @ centroid))]
            out.append((user_id, cluster, centroid.astype(np.float32).tobytes(),
                        float(weights[members].sum()), rows[nearest]["paper_id"]))
    return out


def refresh(db: Database, settings: Settings, *, max_users: int | None = None) -> dict[str, Any]:
    """Rebuild the profiles of subscribers whose stars or reads changed since their last profile.

    Safe to run twice: a second run finds nothing stale. Batches of USERS_PER_BATCH users, one
    transaction each."""
    embedder = live_embedder(db)
    if embedder is None:
        return {"refreshed": 0, "skipped": "no live index yet"}
    started, refreshed, after = time.perf_counter(), 0, None
    while max_users is None or refreshed < max_users:
        with db.connection() as conn:
            users = profiles_store.stale_users(conn, embedder, after=after, limit=USERS_PER_BATCH)
            if not users:
                break
            evidence = profiles_store.evidence(conn, users, stars=PROFILE_STARS, reads=PROFILE_READS)
            raw = embeddings_store.vectors_of(conn, embedder, list({r["paper_id"] for r in evidence}))
            vectors = {pid: np.frombuffer(v, dtype=np.float32) for pid, v in raw.items()}
            profiles_store.replace(conn, embedder, users,
                                   build_profiles(evidence, vectors, settings.feed_interest_clusters))
        refreshed += len(users)
        after = users[-1]
    return {"refreshed": refreshed, "embedder": embedder, "seconds": round(time.perf_counter() - started, 3)}
