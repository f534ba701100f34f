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
from services.recommender import cf, evaluation
from services.recommender import index as faiss_index
from services.recommender.artifacts import ArtifactKind, ArtifactStore, new_version
from services.recommender.citations import CitationLink, CitationModel
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
from services.store import references as references_store
from services.store import trending as trending_store

log = logging.getLogger(__name__)

# Refit LSA once the catalogue has grown this much since the last fit: new vocabulary matters.
REFIT_GROWTH = 2.0


@functools.lru_cache(maxsize=4)
def _load_lsa(artifacts: ArtifactStore, version: str) -> LsaEmbedder:
    return LsaEmbedder.load(artifacts.local(ArtifactKind.EMBEDDER, version))


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
        catalogue = papers_store.count(conn)
        sample = settings.lsa_fit_papers if catalogue > settings.lsa_fit_papers else None
        papers = embeddings.paper_texts(conn, limit=sample)
    if len(papers) < 2:
        return None
    version = new_version()
    started = time.perf_counter()
    embedder = LsaEmbedder.fit([paper_text(p) for p in papers], dimensions=settings.lsa_dimensions, version=version)
    fit_seconds = round(time.perf_counter() - started, 3)

    def write(folder: Path) -> dict[str, Any]:
        embedder.save(folder)
        return {"name": embedder.name, "dim": embedder.dim}

    artifacts.publish(ArtifactKind.EMBEDDER, version, write)
    with db.connection() as conn:
        models.publish(conn, kind=ArtifactKind.EMBEDDER, version=version,
                       path=artifacts.relative(ArtifactKind.EMBEDDER, version),
                       params={"name": embedder.name, "family": LSA_FAMILY, "dim": embedder.dim,
                               "fitted_on": len(papers), "catalogue": catalogue},
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
        live = models.live(conn, ArtifactKind.EMBEDDER)
        catalogue = papers_store.count(conn)
    # Refit when the catalogue has doubled since the fit (fits before LSA_FIT_PAPERS recorded only the
    # papers they read, which was then the whole catalogue).
    fitted_catalogue = live["params"].get("catalogue", live["params"].get("fitted_on", 0)) if live else 0
    outgrown = live is not None and catalogue >= REFIT_GROWTH * max(1, fitted_catalogue)
    if live is None or refit or outgrown:
        return _fit_lsa(db, artifacts, settings)
    try:
        return _load_lsa(artifacts, live["version"])
    except ValueError as exc:  # a fit saved in the old pickled format, which is never loaded: refit
        log.warning("refitting LSA: embedder %s is not loadable (%s)", live["version"], exc)
        return _fit_lsa(db, artifacts, settings)


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
        started = mark = time.perf_counter()
        steps: dict[str, float] = {}  # seconds of each part of the build, for the benchmarks

        def lap(name: str) -> None:
            nonlocal mark
            now = time.perf_counter()
            steps[name] = round(now - mark, 3)
            mark = now

        with db.connection() as conn:
            rows = embeddings.visible_vectors(conn, embedder_name)
        paper_ids = [r["paper_id"] for r in rows]
        vectors = (np.vstack([from_bytes(r["vector"]) for r in rows]) if rows
                   else np.zeros((0, 1), dtype=np.float32))
        lap("read_vectors")
        index, index_type = faiss_index.build(vectors, exact_below=settings.index_exact_below,
                                              hnsw_m=settings.hnsw_m)
        lap("graph")
        lexical = build_lexical(db, paper_ids, settings)
        lap("lexical")
        with db.connection() as conn:
            citations = CitationModel.fit(paper_ids, (CitationLink(r["citing_id"], r["ref"], r["cited_id"])
                                                      for r in references_store.links(conn)))
        lap("citations")
        version = new_version()

        def write(folder: Path) -> dict[str, Any]:
            faiss_index.write(folder, index, paper_ids, vectors, lexical, citations)
            return {"embedder": embedder_name, "papers": len(paper_ids), "type": index_type,
                    "lexical_terms": int(lexical.matrix.shape[1]), "citation_tokens": int(citations.rows.shape[1]),
                    "linked_papers": citations.links}

        artifacts.publish(ArtifactKind.INDEX, version, write)
        lap("write_and_publish")
        seconds = round(time.perf_counter() - started, 3)
        metrics: dict[str, Any] = {"build_seconds": seconds}
        if paper_ids:
            loaded = faiss_index.LoadedIndex.in_memory(index, paper_ids, vectors, version=version,
                                                       embedder=embedder_name, ef_search=settings.hnsw_ef_search,
                                                       lexical=lexical, citations=citations)
            started_eval = time.perf_counter()
            with db.connection() as conn:
                interactions = cf.load_interactions(conn, settings.event_weights)
            metrics.update(evaluation.index_holdout(interactions, loaded, settings))
            metrics["eval_seconds"] = round(time.perf_counter() - started_eval, 3)
        with db.connection() as conn:
            models.publish(conn, kind=ArtifactKind.INDEX, version=version,
                           path=artifacts.relative(ArtifactKind.INDEX, version),
                           params={"embedder": embedder_name, "papers": len(paper_ids), "type": index_type,
                                   "dim": int(vectors.shape[1])},
                           metrics=metrics)
            live = {models.live(conn, ArtifactKind.INDEX)["version"]}
            if embedder_name.startswith(f"{LSA_FAMILY}:"):
                embeddings.drop_other_versions(conn, LSA_FAMILY, keep=embedder_name)
        artifacts.prune(ArtifactKind.INDEX, keep=settings.artifacts_kept, protect=live)
        return {"indexed": len(paper_ids), "version": version, "type": index_type, "seconds": seconds,
                "steps": steps}


def lexical_weights(settings: Settings) -> FieldWeights:
    """The LEXICAL_*_WEIGHT settings as the lexical model's field weights."""
    return FieldWeights(title=settings.lexical_title_weight, abstract=settings.lexical_abstract_weight,
                        labels=settings.lexical_labels_weight, categories=settings.lexical_categories_weight,
                        broad_share=settings.lexical_broad_label_share)


def build_lexical(db: Database, paper_ids: list[str], settings: Settings) -> LexicalModel:
    """Sparse TF-IDF rows of ``paper_ids`` (the index's papers, in its order), fitted on their texts."""
    with db.connection() as conn:
        texts = {p["id"]: p for p in embeddings.paper_texts(conn)}
    papers = [texts.get(pid) or {"id": pid} for pid in paper_ids]
    return LexicalModel.fit(papers, lexical_weights(settings), neighbours=settings.lexical_neighbours)


def _live_index(db: Database, artifacts: ArtifactStore, settings: Settings) -> faiss_index.LoadedIndex | None:
    """The live content index, loaded here (the CF retrain reads it for papers without interactions)."""
    with db.connection() as conn:
        row = models.live(conn, ArtifactKind.INDEX)
    if row is None:
        return None
    try:
        return faiss_index.LoadedIndex.load(artifacts.local(ArtifactKind.INDEX, row["version"]), version=row["version"],
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
        live = models.live(conn, ArtifactKind.EMBEDDER)
    return None if live is None else live["params"]["name"]


def refresh(db: Database, artifacts: ArtifactStore, settings: Settings) -> dict[str, Any]:
    """Embed what is missing, then rebuild the index if anything changed or none matches the embedder."""
    return refresh_index(db, artifacts, settings, embed_missing(db, artifacts, settings))


def refresh_index(db: Database, artifacts: ArtifactStore, settings: Settings,
                  embedded: dict[str, Any]) -> dict[str, Any]:
    """The second half of ``refresh``, after ``embed_missing`` returned ``embedded``."""
    with db.connection() as conn:
        live = models.live(conn, ArtifactKind.INDEX)
    current = _current_embedder_name(db, settings)
    stale = live is None or live["params"].get("embedder") != current
    if embedded.get("embedded") or stale:
        return {"embed": embedded, "index": rebuild_index(db, artifacts, settings)}
    return {"embed": embedded, "index": "unchanged"}


def recompute_trending(db: Database, settings: Settings) -> dict[str, Any]:
    """Replace the trending table and mark the computation as a published version."""
    with db.connection() as conn:
        counts = trending_store.recompute(conn, settings.event_weights,
                                          upvote_weight=settings.trending_weight_upvote)
        models.publish(conn, kind=ArtifactKind.TRENDING, version=new_version(), path="", params={"rows": counts})
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
            live = models.live(conn, ArtifactKind.CF)
            # Users deleted since their interactions were read get no factors in the new version.
            model = model.without_users(models.forgotten_cf_users(conn))
        publish = cf.not_worse(model.metrics, live["metrics"] if live else None, settings.cf_publish_tolerance)
        version = new_version()
        artifacts.publish(ArtifactKind.CF, version, model.write)
        model.metrics["total_seconds"] = round(time.perf_counter() - started, 3)
        with db.connection() as conn:
            models.publish(conn, kind=ArtifactKind.CF, version=version,
                           path=artifacts.relative(ArtifactKind.CF, version),
                           params=model.params,
                           metrics=model.metrics, live=publish)
            live_now = models.live(conn, ArtifactKind.CF)
        artifacts.prune(ArtifactKind.CF, keep=settings.artifacts_kept, protect={live_now["version"]} if live_now else set())
        purged = cf.purge_forgotten(db, artifacts)
        return {"version": version, "published": publish, **model.metrics, "purged": purged,
                "compared_with": live["version"] if live else None}
