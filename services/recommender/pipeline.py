"""The worker-side jobs of the engine: embed papers, rebuild the index, recompute trending.

Each job is safe to run twice and concurrently: they take an advisory lock (a second runner skips),
write vectors with ON CONFLICT DO NOTHING, and publish artifacts atomically (see artifacts.py).
"""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from services.config import Settings
from services.db import Database
from services.recommender import cf
from services.recommender import index as faiss_index
from services.recommender.artifacts import ArtifactStore, new_version
from services.recommender.embedders import (
    LSA_FAMILY,
    Embedder,
    LsaEmbedder,
    MiniLmEmbedder,
    from_bytes,
    paper_text,
    to_bytes,
)
from services.recommender.lexical import FieldWeights, LexicalModel
from services.recommender.onnx_embedder import OnnxMiniLmEmbedder, OnnxSettings, ensure_exported
from services.store import embeddings, models
from services.store import papers as papers_store
from services.store import trending as trending_store

log = logging.getLogger(__name__)

EMBEDDER_KIND = "embedder"  # model_versions kind of the fitted LSA model
INDEX_KIND = "index"
TRENDING_KIND = "trending"
CF_KIND = "cf"
# Refit LSA once the catalogue has grown this much since the last fit: new vocabulary matters.
REFIT_GROWTH = 2.0


@functools.lru_cache(maxsize=4)
def _load_lsa(artifacts: ArtifactStore, version: str) -> LsaEmbedder:
    return LsaEmbedder.load(artifacts.local(EMBEDDER_KIND, version))


@functools.lru_cache(maxsize=1)
def _load_minilm() -> MiniLmEmbedder:
    return MiniLmEmbedder()


@functools.lru_cache(maxsize=2)
def _load_onnx(folder: str, options: OnnxSettings) -> OnnxMiniLmEmbedder:
    return OnnxMiniLmEmbedder(Path(folder), options)


def onnx_settings(settings: Settings) -> OnnxSettings:
    """The MINILM_* settings as the ONNX embedder's options."""
    return OnnxSettings(precision=settings.minilm_precision, max_tokens=settings.minilm_max_tokens)


def embedding_text(embedder: Embedder, paper: dict[str, Any]) -> str:
    """The text ``embedder`` embeds for ``paper``: its own choice when it has one (the sentence model
    reads title + abstract), else ``paper_text``."""
    text = getattr(embedder, "text", None)
    return text(paper) if callable(text) else paper_text(paper)


def _fit_lsa(db: Database, artifacts: ArtifactStore, settings: Settings) -> LsaEmbedder | None:
    with db.connection() as conn:
        papers = embeddings.paper_texts(conn)
    if len(papers) < 2:
        return None
    version = new_version()
    started = time.perf_counter()
    embedder = LsaEmbedder.fit([paper_text(p) for p in papers], dimensions=settings.lsa_dimensions, version=version)
    fit_seconds = round(time.perf_counter() - started, 3)

    def write(folder: Path) -> dict[str, Any]:
        embedder.save(folder)
        return {"name": embedder.name, "dim": embedder.dim}

    artifacts.publish(EMBEDDER_KIND, version, write)
    with db.connection() as conn:
        models.publish(conn, kind=EMBEDDER_KIND, version=version, path=artifacts.relative(EMBEDDER_KIND, version),
                       params={"name": embedder.name, "family": LSA_FAMILY, "dim": embedder.dim,
                               "fitted_on": len(papers)},
                       metrics={"fit_seconds": fit_seconds})
    log.info("fitted %s on %d papers in %.1fs", embedder.name, len(papers), fit_seconds)
    return embedder


def active_embedder(db: Database, artifacts: ArtifactStore, settings: Settings, *,
                    refit: bool = False) -> Embedder | None:
    """The embedder new vectors are made with (fitting LSA first if there is none, or on request,
    or when the catalogue has outgrown the fit). None while the catalogue is too small to fit."""
    if settings.embedder == "minilm":
        return _load_minilm()
    if settings.embedder == "minilm-onnx":
        return _load_onnx(str(ensure_exported(artifacts, settings.minilm_precision)), onnx_settings(settings))
    with db.connection() as conn:
        live = models.live(conn, EMBEDDER_KIND)
        catalogue = papers_store.count(conn)
    outgrown = live is not None and catalogue >= REFIT_GROWTH * max(1, live["params"].get("fitted_on", 0))
    if live is None or refit or outgrown:
        return _fit_lsa(db, artifacts, settings)
    return _load_lsa(artifacts, live["version"])


def embed_missing(db: Database, artifacts: ArtifactStore, settings: Settings, *,
                  refit: bool = False) -> dict[str, Any]:
    """Give every live paper a vector under the active embedder, in committed batches."""
    with db.advisory_lock("paperfeed.embed") as taken:
        if not taken:
            return {"skipped": "another embed job is running"}
        embedder = active_embedder(db, artifacts, settings, refit=refit)
        if embedder is None:
            return {"embedded": 0, "embedder": None}
        done, started = 0, time.perf_counter()
        while True:
            with db.connection() as conn:
                batch = embeddings.papers_missing(conn, embedder.name, limit=settings.embed_batch_size)
            if not batch:
                break
            vectors = embedder.embed([embedding_text(embedder, p) for p in batch])
            with db.connection() as conn:
                embeddings.save(conn, embedder.name, [(p["id"], to_bytes(v)) for p, v in
                                                      zip(batch, vectors, strict=True)])
            done += len(batch)
        seconds = time.perf_counter() - started
        return {"embedded": done, "embedder": embedder.name, "seconds": round(seconds, 3),
                "papers_per_second": round(done / seconds, 1) if done and seconds else None}


def rebuild_index(db: Database, artifacts: ArtifactStore, settings: Settings) -> dict[str, Any]:
    """Build a FAISS index over every visible paper's vector and publish it as the live index."""
    with db.advisory_lock("paperfeed.reindex") as taken:
        if not taken:
            return {"skipped": "another index build is running"}
        embedder_name = _current_embedder_name(db, settings)
        if embedder_name is None:
            return {"indexed": 0, "embedder": None}
        started = time.perf_counter()
        with db.connection() as conn:
            rows = embeddings.visible_vectors(conn, embedder_name)
        paper_ids = [r["paper_id"] for r in rows]
        vectors = (np.vstack([from_bytes(r["vector"]) for r in rows]) if rows
                   else np.zeros((0, 1), dtype=np.float32))
        index, index_type = faiss_index.build(vectors, exact_below=settings.index_exact_below,
                                              hnsw_m=settings.hnsw_m)
        lexical = build_lexical(db, paper_ids, settings)
        version = new_version()

        def write(folder: Path) -> dict[str, Any]:
            faiss_index.write(folder, index, paper_ids, vectors, lexical)
            return {"embedder": embedder_name, "papers": len(paper_ids), "type": index_type,
                    "lexical_terms": int(lexical.matrix.shape[1])}

        artifacts.publish(INDEX_KIND, version, write)
        seconds = round(time.perf_counter() - started, 3)
        metrics: dict[str, Any] = {"build_seconds": seconds}
        if paper_ids:
            loaded = faiss_index.LoadedIndex.in_memory(index, paper_ids, vectors, version=version,
                                                       embedder=embedder_name, ef_search=settings.hnsw_ef_search,
                                                       lexical=lexical)
            metrics.update(index_holdout(db, loaded, settings))
        with db.connection() as conn:
            models.publish(conn, kind=INDEX_KIND, version=version, path=artifacts.relative(INDEX_KIND, version),
                           params={"embedder": embedder_name, "papers": len(paper_ids), "type": index_type,
                                   "dim": int(vectors.shape[1])},
                           metrics=metrics)
            live = {models.live(conn, INDEX_KIND)["version"]}
            if embedder_name.startswith(f"{LSA_FAMILY}:"):
                embeddings.drop_other_versions(conn, LSA_FAMILY, keep=embedder_name)
        artifacts.prune(INDEX_KIND, keep=settings.artifacts_kept, protect=live)
        return {"indexed": len(paper_ids), "version": version, "type": index_type, "seconds": seconds}


def lexical_weights(settings: Settings) -> FieldWeights:
    """The LEXICAL_*_WEIGHT settings as the lexical model's field weights."""
    return FieldWeights(title=settings.lexical_title_weight, abstract=settings.lexical_abstract_weight,
                        labels=settings.lexical_labels_weight)


def build_lexical(db: Database, paper_ids: list[str], settings: Settings) -> LexicalModel:
    """Sparse TF-IDF rows of ``paper_ids`` (the index's papers, in its order), fitted on their texts."""
    with db.connection() as conn:
        texts = {p["id"]: p for p in embeddings.paper_texts(conn)}
    papers = [texts.get(pid) or {"id": pid} for pid in paper_ids]
    return LexicalModel.fit(papers, lexical_weights(settings))


def index_holdout(db: Database, index: faiss_index.LoadedIndex, settings: Settings) -> dict[str, Any]:
    """Offline metrics of a new index, recorded with it:

    - ``recall@20``: the feed's content retriever on a holdout drawn exactly as CF's (``cf.split_holdout``,
      same seed, over the same interactions), so it reads side by side with the CF model's ``recall@20``;
    - ``ann_recall@10`` (HNSW only): share of the exact 10 nearest neighbours the index returns, on up to
      200 papers' own vectors.
    """
    from services.recommender import feed  # here, not at the top: feed → serving → this module

    started = time.perf_counter()
    metrics: dict[str, Any] = {}
    with db.connection() as conn:
        interactions = cf.load_interactions(conn, settings.event_weights)
    train, hidden = cf.split_holdout(interactions.matrix)
    if hidden:
        star = float(settings.event_weights.get("star", 1.0))
        probe = settings.replace(feed_size=cf.EVAL_K)
        found = 0
        for user, item in hidden.items():
            row = slice(train.indptr[user], train.indptr[user + 1])
            profile = [{"paper_id": interactions.items[c], "kind": "star" if w >= star else "read"}
                       for c, w in zip(train.indices[row], train.data[row], strict=True)]
            seen = {p["paper_id"] for p in profile}
            hits = sorted(((h.score, h.paper_id) for h in feed.content_hits(index, profile, probe) if h.paper_id not in seen),
                          reverse=True)[: cf.EVAL_K]
            found += interactions.items[item] in {pid for _, pid in hits}
        metrics.update({"recall@20": round(found / len(hidden), 4), "holdout_users": len(hidden)})
    if hasattr(index.index, "hnsw"):
        sample = np.random.default_rng(0).choice(len(index.paper_ids), min(200, len(index.paper_ids)), replace=False)
        queries = np.asarray(index.vectors[sample])
        k = min(10, len(index.paper_ids))
        agree = 0
        for query, hits in zip(queries, index.search(queries, k), strict=True):
            exact = np.argpartition(-(index.vectors @ query), k - 1)[:k]  # one row at a time: bounded memory
            agree += len({index.paper_ids[i] for i in exact} & {pid for pid, _ in hits})
        metrics["ann_recall@10"] = round(agree / (k * len(queries)), 4)
    metrics["eval_seconds"] = round(time.perf_counter() - started, 3)
    return metrics


def _live_index(db: Database, artifacts: ArtifactStore, settings: Settings) -> faiss_index.LoadedIndex | None:
    """The live content index, loaded here (the CF retrain reads it for papers without interactions)."""
    with db.connection() as conn:
        row = models.live(conn, INDEX_KIND)
    if row is None:
        return None
    try:
        return faiss_index.LoadedIndex.load(artifacts.local(INDEX_KIND, row["version"]), version=row["version"],
                                            embedder=row["params"]["embedder"], ef_search=settings.hnsw_ef_search)
    except (OSError, ValueError, RuntimeError) as exc:  # ArtifactError/ArtifactUnavailable are RuntimeErrors
        log.warning("CF retrain without new-paper factors: index %s unreadable: %s", row["version"], exc)
        return None


def _current_embedder_name(db: Database, settings: Settings) -> str | None:
    if settings.embedder == "minilm":
        return MiniLmEmbedder.name
    if settings.embedder == "minilm-onnx":
        return OnnxMiniLmEmbedder.name_for(onnx_settings(settings))
    with db.connection() as conn:
        live = models.live(conn, EMBEDDER_KIND)
    return None if live is None else live["params"]["name"]


def refresh(db: Database, artifacts: ArtifactStore, settings: Settings) -> dict[str, Any]:
    """Embed what is missing, then rebuild the index if anything changed or none matches the embedder."""
    return refresh_index(db, artifacts, settings, embed_missing(db, artifacts, settings))


def refresh_index(db: Database, artifacts: ArtifactStore, settings: Settings,
                  embedded: dict[str, Any]) -> dict[str, Any]:
    """The second half of ``refresh``, after ``embed_missing`` returned ``embedded``."""
    with db.connection() as conn:
        live = models.live(conn, INDEX_KIND)
    current = _current_embedder_name(db, settings)
    stale = live is None or live["params"].get("embedder") != current
    if embedded.get("embedded") or stale:
        return {"embed": embedded, "index": rebuild_index(db, artifacts, settings)}
    return {"embed": embedded, "index": "unchanged"}


def recompute_trending(db: Database, settings: Settings) -> dict[str, Any]:
    """Replace the trending table and mark the computation as a published version."""
    with db.connection() as conn:
        counts = trending_store.recompute(conn, settings.event_weights)
        models.publish(conn, kind=TRENDING_KIND, version=new_version(), path="", params={"rows": counts})
    return {"rows": counts}


def retrain_cf(db: Database, artifacts: ArtifactStore, settings: Settings) -> dict[str, Any]:
    """Train the CF model, evaluate it on a holdout, and make it live only if it is not worse than the
    live one. Every trained model is recorded with its metrics, live or not."""
    with db.advisory_lock("paperfeed.retrain_cf") as taken:
        if not taken:
            return {"skipped": "another retrain is running"}
        started = time.perf_counter()
        with db.connection() as conn:
            interactions = cf.load_interactions(conn, settings.event_weights)
        read_seconds = time.perf_counter() - started
        if interactions.nnz < settings.cf_min_interactions:
            return {"skipped": f"{interactions.nnz} interactions, fewer than CF_MIN_INTERACTIONS "
                               f"({settings.cf_min_interactions})"}
        model = cf.fit(interactions, settings)
        model.metrics["read_seconds"] = round(read_seconds, 3)
        index = _live_index(db, artifacts, settings) if settings.cf_new_item_neighbours else None
        if index is not None:  # after the holdout metric: it measures the fitted factors alone
            model = cf.with_new_items(model, index, settings.cf_new_item_neighbours)
        with db.connection() as conn:
            live = models.live(conn, CF_KIND)
        publish = cf.not_worse(model.metrics, live["metrics"] if live else None, settings.cf_publish_tolerance)
        version = new_version()
        artifacts.publish(CF_KIND, version, model.write)
        model.metrics["total_seconds"] = round(time.perf_counter() - started, 3)
        with db.connection() as conn:
            models.publish(conn, kind=CF_KIND, version=version, path=artifacts.relative(CF_KIND, version),
                           params=model.params,
                           metrics=model.metrics, live=publish)
            live_now = models.live(conn, CF_KIND)
        artifacts.prune(CF_KIND, keep=settings.artifacts_kept, protect={live_now["version"]} if live_now else set())
        return {"version": version, "published": publish, **model.metrics,
                "compared_with": live["version"] if live else None}
