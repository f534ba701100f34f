"""Embedder benchmark: speed and agreement of all-MiniLM-L6-v2 under onnxruntime (int8, fp32) against the
torch model it is exported from, and a small retrieval check of each embedder against LSA and TF-IDF.

On a seeded sample of the arXiv catalogue (../shared/data/arxiv-cs-2026q2, CC0):

- papers/s (wall) and papers per CPU-second of each variant, and the catalogue's projected embed time
  (20,737 papers) on this machine; the export's own time;
- cosine agreement of each ONNX variant with sentence-transformers' fp32 vectors (same texts);
- authors as readers (``--authors``): for authors with >= 3 papers, their papers plus as many random
  others form a small catalogue; each author's first paper is the query and recall@10 counts their other
  papers among its nearest neighbours (authors are not in the embedded text). LSA is fitted on the full
  catalogue as the worker fits it; TF-IDF is the plain reference row.

The machine may be shared: the CPU-second rate is the steadier number. Run it under ``nice``.

    nice -n 10 .venv/bin/python bench/embedders.py --out bench/results/embedders.json [--sample 400]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO  # noqa: E402
from services.recommender.embedders import LsaEmbedder, MiniLmEmbedder, normalise, paper_text  # noqa: E402
from services.recommender.onnx_embedder import OnnxMiniLmEmbedder, OnnxSettings, export, minilm_text  # noqa: E402

# ../shared beside the checkout (one level further up from a worktree under wt/).
ARXIV = next((base / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl" for base in (REPO.parent, REPO.parent.parent)
              if (base / "shared").is_dir()), REPO.parent / "shared" / "data" / "arxiv-cs-2026q2" / "papers.jsonl")
CATALOGUE = 20_737


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_embed(embed, texts: list[str]) -> tuple[np.ndarray, dict]:
    embed(texts[:8])  # warm-up: first-call allocations are not throughput
    wall, cpu = time.perf_counter(), cpu_seconds()
    vectors = embed(texts)
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    return vectors, {"papers": len(texts), "seconds": round(wall, 1), "papers_per_second": round(len(texts) / wall, 1),
                     "papers_per_cpu_second": round(len(texts) / cpu, 1),
                     "catalogue_minutes_projected": round(CATALOGUE / (len(texts) / wall) / 60, 1)}


def author_sets(papers: list[dict], authors: int, seed: int) -> tuple[list[int], dict[str, list[int]]]:
    """(rows of a small catalogue, author → their rows in it, first = query)."""
    rng = np.random.default_rng(seed)
    by_author: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(papers):
        for a in p.get("authors") or []:
            by_author[a].append(i)
    eligible = sorted(a for a, rows in by_author.items() if 3 <= len(rows) <= 20)
    chosen = [eligible[i] for i in rng.choice(len(eligible), min(authors, len(eligible)), replace=False)]
    rows = sorted({r for a in chosen for r in by_author[a]})
    others = rng.choice(len(papers), len(rows), replace=False)
    rows = sorted(set(rows) | {int(r) for r in others})
    return rows, {a: by_author[a] for a in chosen}


def recall_at_10(vectors: np.ndarray, rows: list[int], sets: dict[str, list[int]]) -> float:
    position = {r: i for i, r in enumerate(rows)}
    total = 0.0
    for members in sets.values():
        query = vectors[position[members[0]]]
        scores = vectors @ query
        scores[position[members[0]]] = -np.inf
        top = set(np.argsort(-scores)[:10].tolist())
        total += sum(position[m] in top for m in members[1:]) / len(members[1:])
    return round(total / len(sets), 4)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ARXIV))
    parser.add_argument("--sample", type=int, default=400, help="papers timed per variant")
    parser.add_argument("--agreement", type=int, default=200, help="papers compared with the torch model")
    parser.add_argument("--authors", type=int, default=0, help="authors in the retrieval check (0: skip)")
    parser.add_argument("--variants", default="int8-256,int8-128,fp32-256",
                        help="ONNX precision-max_tokens pairs; the torch model runs at 256")
    parser.add_argument("--threads", type=int, default=0, help="onnxruntime threads (0: one per core)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out")
    args = parser.parse_args(argv)

    papers = [json.loads(line) for line in Path(args.data).read_text().splitlines() if line.strip()]
    rng = np.random.default_rng(args.seed)
    sample = [papers[i] for i in rng.choice(len(papers), min(args.sample, len(papers)), replace=False)]
    texts = [minilm_text(p) for p in sample]
    result: dict = {"catalogue": len(papers), "sample": len(sample), "variants": {}}

    torch_model = MiniLmEmbedder(batch_size=32)
    reference, result["torch_fp32_256"] = timed_embed(torch_model.embed, texts)
    reference = reference[: args.agreement]
    print("torch fp32 256", result["torch_fp32_256"], file=sys.stderr, flush=True)

    small = author_sets(papers, args.authors, args.seed) if args.authors else None
    if small is not None:
        rows, sets = small
        result["retrieval"] = {"authors": len(sets), "papers": len(rows)}
        lsa = LsaEmbedder.fit([paper_text(p) for p in papers], dimensions=1024, version="bench")
        result["retrieval"]["tfidf-lsa"] = recall_at_10(lsa.embed([paper_text(papers[r]) for r in rows]), rows, sets)
        tfidf = lsa.vectorizer.transform([paper_text(papers[r]) for r in rows])
        result["retrieval"]["tfidf"] = recall_at_10(normalise(tfidf.toarray()), rows, sets)
        print("retrieval", result["retrieval"], file=sys.stderr, flush=True)

    exports: dict[str, Path] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for variant in args.variants.split(","):
            precision, tokens = variant.split("-")
            if precision not in exports:
                folder = Path(scratch) / precision
                folder.mkdir()
                started = time.perf_counter()
                export(folder, precision)
                exports[precision] = folder
                result[f"export_{precision}_seconds"] = round(time.perf_counter() - started, 1)
            embedder = OnnxMiniLmEmbedder(exports[precision], OnnxSettings(precision, int(tokens),
                                                                          threads=args.threads))
            vectors, timing = timed_embed(embedder.embed, texts)
            cosines = np.sum(vectors[: len(reference)] * reference, axis=1)
            timing.update({"cosine_to_torch_mean": round(float(cosines.mean()), 4),
                           "cosine_to_torch_min": round(float(cosines.min()), 4)})
            if small is not None:
                rows, sets = small
                timing["author_recall@10"] = recall_at_10(embedder.embed([minilm_text(papers[r]) for r in rows]),
                                                          rows, sets)
            result["variants"][variant] = timing
            print(variant, timing, file=sys.stderr, flush=True)

    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
