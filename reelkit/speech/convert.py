"""Turning a CTranslate2 Whisper export into an openai-whisper checkpoint.

faster-whisper loads a CTranslate2 folder directly; openai-whisper gets a checkpoint converted
from the same weights (:func:`convert_ct2_to_openai`), cached once in the user model cache
(:func:`reelkit.speech.models.user_model_dir`). The ``model.bin`` reader needs no CTranslate2.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib
import json
import mmap
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from reelkit.errors import ModelError
from reelkit.io.atomic import atomic_path
from reelkit.speech.models import ResolvedModel, user_model_dir

CONVERTER_VERSION = 1
"""Bumped when the conversion changes, so stale converted checkpoints are not reused."""

# --- CTranslate2 model.bin reader ----------------------------------------------------------

# CTranslate2's DataType enum, in its order.
_CT2_DTYPES: dict[int, str] = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16",
                               5: "bfloat16"}


@dataclass(frozen=True)
class Ct2Model:
    """The variables of a CTranslate2 ``model.bin``, as numpy arrays (float weights as float32)."""

    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str]


class _Reader:
    def __init__(self, buf: Any) -> None:
        self.buf = buf
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.buf):
            raise ValueError("unexpected end of file")
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += size
        return values

    def string(self) -> str:
        (length,) = self.unpack("H")  # includes the trailing NUL
        raw = bytes(self.buf[self.pos:self.pos + length])
        self.pos += length
        return raw.split(b"\0", 1)[0].decode("utf-8")

    def array(self, dtype: str, dims: tuple[int, ...], nbytes: int) -> np.ndarray:
        if self.pos + nbytes > len(self.buf):
            raise ValueError("unexpected end of file")
        raw = np.frombuffer(self.buf, dtype=np.uint8, count=nbytes, offset=self.pos)
        self.pos += nbytes
        if dtype == "bfloat16":
            as_u32 = raw.view("<u2").astype(np.uint32) << 16
            return as_u32.view(np.float32).reshape(dims)
        return raw.view(np.dtype(dtype).newbyteorder("<")).reshape(dims).copy()


def read_ct2_model(path: str | os.PathLike[str]) -> Ct2Model:
    """Read a CTranslate2 ``model.bin`` (format versions 4-6) into numpy arrays.

    Layout: uint32 version, spec name, uint32 revision, uint32 count; per variable its name,
    uint8 rank, rank uint32 dims, uint8 dtype, uint32 byte count, raw data; then uint32 alias
    count and (alias, target) name pairs. Strings are a uint16 length (NUL included) + bytes.
    Quantised weights (int8/int16 with a ``weight_scale`` beside them) are dequantised, and
    float16/bfloat16 widened, so every float variable comes back as float32.
    """
    file = Path(path)
    if file.is_dir():
        file = file / "model.bin"
    try:
        with open(file, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return _parse_ct2(mm)
    except FileNotFoundError:
        raise ModelError(f"{file}: model file not found") from None
    except (ValueError, struct.error, UnicodeDecodeError) as exc:
        raise ModelError(f"{file}: not a readable CTranslate2 model ({exc})") from None


def _parse_ct2(buf: Any) -> Ct2Model:
    r = _Reader(buf)
    (version,) = r.unpack("I")
    if not 4 <= version <= 6:
        raise ValueError(f"unsupported format version {version}")
    spec = r.string()
    (revision,) = r.unpack("I")
    (count,) = r.unpack("I")
    raw: dict[str, np.ndarray] = {}
    for _ in range(count):
        name = r.string()
        (rank,) = r.unpack("B")
        dims = r.unpack("I" * rank) if rank else ()
        dtype_id, nbytes = r.unpack("BI")
        if dtype_id not in _CT2_DTYPES:
            raise ValueError(f"variable {name}: unknown dtype id {dtype_id}")
        raw[name] = r.array(_CT2_DTYPES[dtype_id], tuple(dims), nbytes)
    aliases: dict[str, str] = {}
    if r.pos < len(buf):
        (n_alias,) = r.unpack("I")
        for _ in range(n_alias):
            alias = r.string()
            aliases[alias] = r.string()
    return Ct2Model(spec=spec, revision=revision, variables=_dequantise(raw), aliases=aliases)


def _dequantise(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name, arr in raw.items():
        if name.endswith("_scale") and name[:-len("_scale")] in raw:
            continue  # folded into its weight below
        scale = raw.get(name + "_scale")
        if scale is not None and arr.dtype in (np.int8, np.int16):
            # CTranslate2 stores round(w * scale) with one scale per output row.
            s = scale.astype(np.float32)
            if s.ndim == 1 and arr.ndim >= 2:
                s = s.reshape((-1,) + (1,) * (arr.ndim - 1))
            out[name] = arr.astype(np.float32) / s
        elif arr.dtype in (np.float16, np.float64):
            out[name] = arr.astype(np.float32)
        else:
            out[name] = arr
    return out


# --- CTranslate2 Whisper -> openai-whisper ---------------------------------------------------

_SUBLAYERS = {
    "self_attention/layer_norm": "attn_ln",
    "attention/layer_norm": "cross_attn_ln",
    "ffn/layer_norm": "mlp_ln",
    "ffn/linear_0": "mlp.0",
    "ffn/linear_1": "mlp.2",
    "self_attention/linear_1": "attn.out",
    "attention/linear_0": "cross_attn.query",
    "attention/linear_2": "cross_attn.out",
}
# Variables outside the layer blocks, one to one.
_FIXED = {
    "encoder/conv1/weight": "encoder.conv1.weight", "encoder/conv1/bias": "encoder.conv1.bias",
    "encoder/conv2/weight": "encoder.conv2.weight", "encoder/conv2/bias": "encoder.conv2.bias",
    "encoder/position_encodings/encodings": "encoder.positional_embedding",
    "encoder/layer_norm/gamma": "encoder.ln_post.weight",
    "encoder/layer_norm/beta": "encoder.ln_post.bias",
    "decoder/embeddings/weight": "decoder.token_embedding.weight",
    "decoder/position_encodings/encodings": "decoder.positional_embedding",
    "decoder/layer_norm/gamma": "decoder.ln.weight",
    "decoder/layer_norm/beta": "decoder.ln.bias",
}
_PARAM = {"gamma": "weight", "beta": "bias", "weight": "weight", "bias": "bias"}
_LAYER_RE = re.compile(r"^(encoder|decoder)/layer_(\d+)/(.+)/(gamma|beta|weight|bias)$")


def _scalar(value: np.ndarray) -> int:
    return int(np.asarray(value).reshape(-1)[0])


def ct2_to_whisper_state(variables: dict[str, np.ndarray]) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """Map CTranslate2 Whisper variables onto openai-whisper's ``(dims, state_dict)``.

    The fused self-attention projection ``linear_0`` is split into query/key/value, the fused
    cross-attention ``attention/linear_1`` into key/value; openai-whisper's key projections have
    no bias (the converter wrote zeros there), so those bias slices are dropped.
    """
    state: dict[str, np.ndarray] = {}
    for src, dst in _FIXED.items():
        if src not in variables:
            raise ModelError(f"not a CTranslate2 Whisper model: {src} is missing")
        state[dst] = variables[src]
    layers = {"encoder": 0, "decoder": 0}
    for name, arr in variables.items():
        m = _LAYER_RE.match(name)
        if not m:
            continue
        part, index, sub, param = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        layers[part] = max(layers[part], index + 1)
        prefix = f"{part}.blocks.{index}."
        kind = _PARAM[param]
        if sub == "self_attention/linear_0":
            q, k, v = np.split(arr, 3, axis=0)
            state[prefix + f"attn.query.{kind}"] = q
            state[prefix + f"attn.value.{kind}"] = v
            if kind == "weight":
                state[prefix + "attn.key.weight"] = k
        elif sub == "attention/linear_1":
            k, v = np.split(arr, 2, axis=0)
            state[prefix + f"cross_attn.value.{kind}"] = v
            if kind == "weight":
                state[prefix + "cross_attn.key.weight"] = k
        elif sub in _SUBLAYERS:
            state[prefix + f"{_SUBLAYERS[sub]}.{kind}"] = arr
        else:
            raise ModelError(f"unexpected CTranslate2 Whisper variable {name}")
    return _dims(variables, layers), state


def _dims(variables: dict[str, np.ndarray], layers: dict[str, int]) -> dict[str, int]:
    """openai-whisper's ModelDimensions read off the variables' shapes (``layers``: blocks counted)."""
    n_vocab, n_text_state = variables["decoder/embeddings/weight"].shape
    conv1 = variables["encoder/conv1/weight"]
    return {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(variables["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(conv1.shape[0]),
        "n_audio_head": _scalar(variables["encoder/num_heads"]),
        "n_audio_layer": layers["encoder"],
        "n_vocab": int(n_vocab),
        "n_text_ctx": int(variables["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(n_text_state),
        "n_text_head": _scalar(variables["decoder/num_heads"]),
        "n_text_layer": layers["decoder"],
    }


def alignment_heads(name: str, model_dir: Path | None, n_layers: int, n_heads: int) -> list[list[int]] | None:
    """[layer, head] pairs used for word timings: whisper's own table, else the CT2 config."""
    try:
        whisper = importlib.import_module("whisper")
        table = getattr(whisper, "_ALIGNMENT_HEADS", {})
    except ImportError:  # pragma: no cover - openai-whisper is a dependency
        table = {}
    if name in table:
        mask = np.frombuffer(gzip.decompress(base64.b85decode(table[name])), dtype=bool)
        mask = mask.reshape(n_layers, n_heads)
        return [[int(layer), int(head)] for layer, head in zip(*np.nonzero(mask))]
    if model_dir is not None and (model_dir / "config.json").is_file():
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        heads = config.get("alignment_heads")
        if heads:
            return [[int(a), int(b)] for a, b in heads]
    return None


def converted_checkpoint_path(ct2_dir: Path, name: str) -> Path:
    """Where the converted checkpoint of ``ct2_dir`` is cached (keyed by the source file)."""
    st = (ct2_dir / "model.bin").stat()
    ident = f"{ct2_dir.resolve()}|{st.st_size}|{st.st_mtime_ns}|{CONVERTER_VERSION}"
    digest = hashlib.sha256(ident.encode()).hexdigest()[:12]
    return user_model_dir() / "openai-whisper" / f"{name}-{digest}.pt"


def convert_ct2_to_openai(ct2_dir: Path, dest: Path, name: str | None = None) -> Path:
    """Convert a CTranslate2 Whisper folder into an openai-whisper checkpoint at ``dest``.

    The checkpoint holds ``dims``, ``model_state_dict`` (float32) and ``alignment_heads``
    ([layer, head] pairs); it is checked by loading it strictly into openai-whisper's model,
    and written atomically (a temporary file beside ``dest``, then a rename).
    """
    # lazy: torch and openai-whisper load only when a model is converted
    import torch
    from whisper.model import ModelDimensions, Whisper

    name = name or ct2_dir.name
    ct2 = read_ct2_model(ct2_dir)
    if ct2.spec and ct2.spec != "WhisperSpec":
        raise ModelError(f"{ct2_dir}: a {ct2.spec} model, not Whisper")
    dims, arrays = ct2_to_whisper_state(ct2.variables)
    state = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32)) for k, v in arrays.items()}
    try:
        Whisper(ModelDimensions(**dims)).load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise ModelError(f"{ct2_dir}: converted weights do not fit openai-whisper: "
                         f"{str(exc).splitlines()[0]}") from None
    heads = alignment_heads(name, ct2_dir, dims["n_text_layer"], dims["n_text_head"])
    dest.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(dest) as tmp:
        torch.save({"dims": dims, "model_state_dict": state, "alignment_heads": heads,
                    "converted_from": str(ct2_dir), "converter_version": CONVERTER_VERSION}, tmp)
    return dest


def openai_checkpoint(resolved: ResolvedModel) -> Path:
    """A ``.pt`` for openai-whisper: the resolved file, or the cached conversion of a CT2 folder."""
    if resolved.format == "pt" and resolved.path is not None:
        return resolved.path
    if resolved.format != "ct2" or resolved.path is None:
        raise ValueError("no local weights to convert")
    dest = converted_checkpoint_path(resolved.path, resolved.name)
    if not dest.is_file():
        convert_ct2_to_openai(resolved.path, dest, resolved.name)
    return dest
