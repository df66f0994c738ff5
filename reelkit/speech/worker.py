"""Speech recognition in a child process, so the recogniser's memory leaves with it.

Loading faster-whisper (CTranslate2, ONNX Runtime) and running it grows a Python process by
about 250 MB that freeing the model does not give back (shared libraries, allocator arenas).
The pipeline renders right after planning, with the encoders beside it; so the planner
transcribes here: the cache is looked up in this process (no recogniser needed for a hit), a
miss runs :func:`reelkit.speech.backends.transcribe` in ``python -m reelkit.speech.worker``
on the voice file, which stores the entry in the same cache and prints the transcript as JSON.
Errors come back as the same typed error with its one line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from reelkit import errors
from reelkit.io.heap import env_for_children
from reelkit.speech import backends
from reelkit.speech.backends import backend_calls, transcribe
from reelkit.speech.pcm import PcmFile
from reelkit.speech.types import Transcript


def transcribe_isolated(voice: PcmFile, *, backend: str = "faster-whisper", model: str | None = None,
                        language: str = "en", initial_prompt: str | None = None,
                        cache_dir: Path | None = None, use_cache: bool = True,
                        keep_repeats: bool = False) -> Transcript:
    """:func:`reelkit.speech.backends.transcribe` of ``voice``, the recogniser run in a child process."""
    if use_cache:
        hit = backends.cached_transcript(voice, backend=backend, model=model, language=language,
                                         initial_prompt=initial_prompt, cache_dir=cache_dir,
                                         keep_repeats=keep_repeats)
        if hit is not None:
            return hit
    request = {"pcm": str(voice.path), "sr": voice.sr, "backend": backend, "model": model, "language": language,
               "initial_prompt": initial_prompt, "cache_dir": str(cache_dir) if cache_dir else None,
               "use_cache": use_cache, "keep_repeats": keep_repeats}
    proc = subprocess.Popen([sys.executable, "-m", "reelkit.speech.worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=worker_env())
    try:
        out, err = proc.communicate(json.dumps(request))
    finally:
        if proc.poll() is None:  # interrupted while waiting: do not leave the child running
            proc.kill()
            proc.wait()
    try:
        reply: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = (err or "").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
        raise errors.ModelError(f"speech recognition failed: {tail[0]}") from None
    if "error" in reply:
        raise _error(reply["error"], reply["message"])
    backends._REGISTRY.calls += int(reply.get("calls", 0))
    return Transcript.from_dict(reply["transcript"])


def worker_env() -> dict[str, str]:
    """The recognition child's environment: ours, with at most two glibc malloc arenas.

    The recogniser's threads (CTranslate2, ONNX Runtime) each get an arena by default, and
    freed memory stays spread over them: the child peaked at 440 MiB on a 12-minute input
    against 314 MiB on a 1-minute one. With two arenas it peaked at 347 and 284 MiB, at the
    same speed (measured with scripts/bench_memory.py's clips). A value the user set wins.

    Blocks of 1 MiB and more are mapped on their own and go back to the system when freed
    (:mod:`reelkit.io.heap`): glibc's moving threshold otherwise serves the windows' large
    buffers from the heap, which grew with the number of windows (12-minute voice: 452 and 460 MiB in two runs; with the
    fixed threshold 330 MiB, the same CPU time).
    """
    env = dict(os.environ)
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env_for_children(env)


def _error(name: str, message: str) -> errors.ReelkitError:
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, errors.ReelkitError):
        try:
            return cls(message)
        except TypeError:  # an error class with other required arguments
            pass
    return errors.ModelError(message)


def main() -> None:
    """Read one request (JSON on stdin), transcribe, print one JSON line."""
    request = json.loads(sys.stdin.read())
    try:
        transcript = transcribe(PcmFile(request["pcm"], int(request["sr"])), backend=request["backend"],
                                model=request["model"], language=request["language"],
                                initial_prompt=request["initial_prompt"],
                                cache_dir=Path(request["cache_dir"]) if request["cache_dir"] else None,
                                use_cache=bool(request["use_cache"]),
                                keep_repeats=bool(request.get("keep_repeats", False)))
    except errors.ReelkitError as exc:
        print(json.dumps({"error": type(exc).__name__, "message": exc.one_line()}))
        return
    print(json.dumps({"transcript": transcript.to_dict(), "calls": backend_calls()}))


if __name__ == "__main__":
    main()
