"""Similar papers and trending: read-only answers from the live index and the trending table."""

from __future__ import annotations

from typing import Any

import numpy as np
import psycopg

from services.errors import NotFound, NotReady
from services.recommender.artifacts import ArtifactKind
from services.recommender.embedders import from_bytes
from services.recommender.index import LoadedIndex
from services.recommender.serving import LiveModels
from services.store import embeddings, models
from services.store import papers as papers_store
from services.store import trending as trending_store

# Extra neighbours fetched so that deleted or hidden papers dropped after the search leave a full page.
SEARCH_MARGIN = 20


def paper_vector(conn: psycopg.Connection, index: LoadedIndex, paper_id: str) -> np.ndarray | None:
    """The paper's vector: from the index, or from PostgreSQL if it was embedded after the build."""
    vector = index.vector(paper_id)
    if vector is None:  # embedded after the index was built
        raw = embeddings.vectors_of(conn, index.embedder, [paper_id]).get(paper_id)
        vector = None if raw is None else from_bytes(raw, index.dim)
    return vector


def similar(conn: psycopg.Connection, live: LiveModels, paper_id: str, limit: int) -> dict[str, Any]:
    """Visible papers closest in content to ``paper_id``, best first, never the paper itself."""
    if papers_store.get_with_counts(conn, paper_id) is None:
        raise NotFound(f"no paper {paper_id}")
    index = live.index(conn)
    if index is None:
        raise NotReady("similar papers need the content index, which has not been built yet")
    vector = paper_vector(conn, index, paper_id)
    if vector is None:
        raise NotReady(f"paper {paper_id} has not been embedded yet")
    hits = [(pid, score) for pid, score in index.search(vector[None, :], limit + 1 + SEARCH_MARGIN)[0]
            if pid != paper_id]
    visible = papers_store.visible_by_ids(conn, [pid for pid, _ in hits])
    items = [{"paper": visible[pid], "score": score} for pid, score in hits if pid in visible]
    return {"items": items[:limit]}


def trending(conn: psycopg.Connection, *, window: str, category: str | None, limit: int) -> dict[str, Any]:
    if models.live(conn, ArtifactKind.TRENDING) is None:
        raise NotReady("trending has not been computed yet")
    rows = trending_store.top(conn, period=window, category=category, limit=limit)
    return {"items": [{"paper": r, "score": r["score"], "stars": r["stars"], "reads": r["reads"],
                       "upvotes": r["upvotes"]} for r in rows]}
