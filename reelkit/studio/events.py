"""Server-sent events: an append-only, numbered log the page follows (proxy ready, render
progress, new plan version, brand refresh)."""

from __future__ import annotations

import json
import threading
from typing import Any

KEEP = 500  # events kept for a page that reconnects


class Events:
    """Thread-safe event log; readers ask for everything after the last number they saw."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._items: list[tuple[int, str, str]] = []
        self._next = 1

    def emit(self, kind: str, data: dict[str, Any]) -> None:
        with self._cond:
            self._items.append((self._next, kind, json.dumps(data)))
            self._items = self._items[-KEEP:]
            self._next += 1
            self._cond.notify_all()

    def after(self, seq: int, timeout: float = 0.0) -> list[tuple[int, str, str]]:
        """Events numbered above ``seq``, waiting up to ``timeout`` seconds for one."""
        with self._cond:
            if timeout and not any(n > seq for n, _, _ in self._items[-1:]):
                self._cond.wait(timeout)
            return [item for item in self._items if item[0] > seq]

    @property
    def last(self) -> int:
        with self._cond:
            return self._next - 1
