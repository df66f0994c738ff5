"""Console progress for renders: a rich progress bar with ETA per stage, or silence."""

from __future__ import annotations

import time
from types import TracebackType

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from reelkit.io.ffmpeg import ProgressCallback


class ConsoleProgress:
    """A StageCallback that shows one bar per ffmpeg stage and keeps stage timings."""

    def __init__(self, quiet: bool = False) -> None:
        self.quiet = quiet
        self._progress = None
        self._started: dict[str, float] = {}
        self.order: list[str] = []

    def __enter__(self) -> ConsoleProgress:
        if not self.quiet:
            self._progress = Progress(TextColumn("{task.description:<34}"), BarColumn(),
                                      TextColumn("{task.percentage:>5.1f}%"), TimeRemainingColumn(),
                                      transient=False)
            self._progress.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, stage: str, seconds: float | None) -> ProgressCallback | None:
        self._started[stage] = time.perf_counter()
        self.order.append(stage)
        if self._progress is None:
            return None
        task = self._progress.add_task(stage, total=seconds or 1.0)
        if seconds is None:
            self._progress.update(task, completed=1.0)
            return None
        progress = self._progress

        def update(done: float) -> None:
            progress.update(task, completed=min(done, seconds))

        return update
