"""The FAISS content index: inner product on L2-normalised vectors (cosine similarity).

Exact (IndexFlatIP) below ``exact_below`` papers, HNSW above (sub-linear search, ~0.99 recall at the
default ef_search). Paper ids live beside the index in ids.json, position i ↔ FAISS id i. Loading
memory-maps the index's vectors (and vectors.npy), so N API processes share one copy in the page cache;
only the HNSW graph (a few MB) is private to each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.recommender.citations import CitationModel
from services.recommender.lexical import LexicalModel

INDEX_FILE = "index.faiss"
IDS_FILE = "ids.json"
VECTORS_FILE = "vectors.npy"  # the same vectors as a plain matrix: memory-mapped for fast row lookups


def build(vectors: np.ndarray, *, exact_below: int, hnsw_m: int) -> tuple[object, str]:
    """A FAISS index over ``vectors`` (n × d, normalised float32) and its type name."""
    import faiss

    n, dim = vectors.shape
    if n < exact_below:
        index, kind = faiss.IndexFlatIP(dim), "flat"
    else:
        index, kind = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT), f"hnsw{hnsw_m}"
        index.hnsw.efConstruction = max(40, 2 * hnsw_m)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index, kind


def write(folder: Path, index: object, paper_ids: list[str], vectors: np.ndarray,
          lexical: LexicalModel | None = None, citations: CitationModel | None = None) -> None:
    """The index, its ids and vectors, and (when given) the lexical and citation rows of the same papers."""
    import faiss

    faiss.write_index(index, str(folder / INDEX_FILE))
    (folder / IDS_FILE).write_text(json.dumps(paper_ids))
    np.save(folder / VECTORS_FILE, np.ascontiguousarray(vectors, dtype=np.float32))
    if lexical is not None:
        if list(lexical.paper_ids) != list(paper_ids):
            raise ValueError("lexical rows are not in the index's paper order")
        lexical.save(folder)
    if citations is not None:
        if list(citations.paper_ids) != list(paper_ids):
            raise ValueError("citation rows are not in the index's paper order")
        citations.save(folder)


@dataclass(frozen=True)
class LoadedIndex:
    """An immutable, loaded index version. Safe to share between threads for searching."""

    version: str
    embedder: str
    index: object
    paper_ids: tuple[str, ...]
    positions: dict[str, int]
    vectors: np.ndarray  # memory-mapped, row i ↔ paper_ids[i]
    # Exact sparse TF-IDF rows of the same papers (None for an index published without them).
    lexical: LexicalModel | None = None
    # Citation link rows of the same papers (None: published without them, or before references existed).
    citations: CitationModel | None = None

    @classmethod
    def load(cls, folder: Path, *, version: str, embedder: str, ef_search: int) -> LoadedIndex:
        import faiss

        paper_ids = tuple(json.loads((folder / IDS_FILE).read_text()))
        # MMAP_IFC maps the vectors of flat-coded indexes (IndexFlat, IndexHNSWFlat's storage) straight
        # from the file; plain IO_FLAG_MMAP copied HNSW storage into each process (+84 MB private per
        # API worker at 20k × 1024 floats). A truncated file is still refused at load.
        index = faiss.read_index(str(folder / INDEX_FILE), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
        vectors = np.load(folder / VECTORS_FILE, mmap_mode="r")
        if index.ntotal != len(paper_ids) or vectors.shape[0] != len(paper_ids):
            raise ValueError(f"index has {index.ntotal} vectors, {vectors.shape[0]} rows, {len(paper_ids)} ids")
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = ef_search
        positions = {pid: i for i, pid in enumerate(paper_ids)}
        return cls(version, embedder, index, paper_ids, positions, vectors, LexicalModel.load(folder, paper_ids),
                   CitationModel.load(folder, paper_ids))

    @classmethod
    def in_memory(cls, index: object, paper_ids: list[str], vectors: np.ndarray, *, version: str, embedder: str,
                  ef_search: int, lexical: LexicalModel | None = None,
                  citations: CitationModel | None = None) -> LoadedIndex:
        """An index just built by ``build`` (not written to disk): what the offline evaluation searches."""
        if hasattr(index, "hnsw"):
            index.hnsw.efSearch = ef_search
        return cls(version, embedder, index, tuple(paper_ids), {pid: i for i, pid in enumerate(paper_ids)},
                   np.ascontiguousarray(vectors, dtype=np.float32), lexical, citations)

    @property
    def dim(self) -> int:
        return self.index.d

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """For each query row, up to ``k`` (paper_id, cosine) pairs, best first."""
        if self.index.ntotal == 0 or k <= 0:
            return [[] for _ in range(len(queries))]
        scores, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), min(k, self.index.ntotal))
        return [[(self.paper_ids[i], float(s)) for s, i in zip(row_s, row_i, strict=True) if i >= 0]
                for row_s, row_i in zip(scores, ids, strict=True)]

    def vector(self, paper_id: str) -> np.ndarray | None:
        """The stored vector of an indexed paper, or None."""
        position = self.positions.get(paper_id)
        return None if position is None else np.asarray(self.vectors[position])

    def vectors_of(self, paper_ids: list[str]) -> tuple[list[str], np.ndarray]:
        """(the ids that are indexed, their vectors as one matrix), in the given order."""
        known = [pid for pid in paper_ids if pid in self.positions]
        rows = np.asarray(self.vectors[[self.positions[pid] for pid in known]]) if known else \
            np.zeros((0, self.vectors.shape[1] if self.vectors.ndim == 2 else 0), dtype=np.float32)
        return known, rows
