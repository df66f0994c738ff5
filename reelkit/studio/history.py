"""Undo and redo of studio edits, kept on disk so a reload (or a restarted studio) loses nothing.

A state is the exact text of plan.json plus the chosen cover candidate; undo writes the
earlier text back byte for byte. The stacks live in the studio's cache folder for the
episode: each plan text once in ``states/<sha256>.json``, the stacks of references in
``history.json`` (small, written atomically after every step). They are dropped when plan.json
on disk no longer matches the state they end in (it was edited or rendered from elsewhere).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reelkit.io.atomic import write_json_atomic, write_text_atomic

MAX_STEPS = 200


@dataclass(frozen=True)
class State:
    """What one undo step restores."""

    plan: str
    cover: int = 1  # the candidate picked: 1 = cover.png as rendered, 2 = cover-2.png, ...
    cover_file: str = ""  # that candidate's image as it was when picked (in the studio folder)


class History:
    """The current state with undo and redo stacks, saved after every change."""

    def __init__(self, file: Path, current: State) -> None:
        self.file = file
        self.current = current
        self.undo_stack: list[State] = []
        self.redo_stack: list[State] = []
        saved = self._load()
        if saved is not None and saved[0].plan == current.plan:
            self.current, self.undo_stack, self.redo_stack = saved
        self._save()

    def _load(self) -> tuple[State, list[State], list[State]] | None:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            return (self._state(data["current"]), [self._state(s) for s in data["undo"]],
                    [self._state(s) for s in data["redo"]])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # none yet, or unreadable: start a new history

    def _state(self, ref: dict[str, Any]) -> State:
        digest = str(ref["plan"])
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError("not a state reference")
        text = (self.file.parent / "states" / f"{digest}.json").read_bytes().decode("utf-8")
        return State(plan=text, cover=int(ref["cover"]), cover_file=str(ref["cover_file"]))

    def _ref(self, state: State) -> dict[str, Any]:
        digest = hashlib.sha256(state.plan.encode("utf-8")).hexdigest()
        path = self.file.parent / "states" / f"{digest}.json"
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(path, state.plan)
        return {"plan": digest, "cover": state.cover, "cover_file": state.cover_file}

    def _save(self) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        refs = {"current": self._ref(self.current), "undo": [self._ref(s) for s in self.undo_stack],
                "redo": [self._ref(s) for s in self.redo_stack]}
        write_json_atomic(self.file, refs, indent=None)

    def push(self, state: State) -> None:
        """A new edit: the current state goes on the undo stack; redo is cleared."""
        if state == self.current:
            return
        self.undo_stack = (self.undo_stack + [self.current])[-MAX_STEPS:]
        self.redo_stack = []
        self.current = state
        self._save()

    def replace_current(self, state: State) -> None:
        """The current state as written again by someone else (a render retargets the outputs'
        paths): not an edit, so no undo step."""
        self.current = state
        self._save()

    def undo(self) -> State | None:
        """Step back; None when there is nothing to undo."""
        return self._step(self.undo_stack, self.redo_stack)

    def redo(self) -> State | None:
        """Step forward again; None when there is nothing to redo."""
        return self._step(self.redo_stack, self.undo_stack)

    def _step(self, source: list[State], dest: list[State]) -> State | None:
        """Make the top of ``source`` current, keeping the current state on ``dest``."""
        if not source:
            return None
        dest.append(self.current)
        self.current = source.pop()
        self._save()
        return self.current
