"""Comments and docstrings cite only modules and documents that exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted((REPO / "reelkit").rglob("*.py")) + sorted((REPO / "reelkit" / "data").glob("*.yaml"))


def _module_exists(dotted: str) -> bool:
    """True when some prefix of ``dotted`` (at least package.module) is a module or package and
    the rest can be attribute names inside it."""
    parts = dotted.split(".")
    for n in range(len(parts), 1, -1):
        base = REPO.joinpath(*parts[:n])
        if base.with_suffix(".py").is_file() or (base / "__init__.py").is_file():
            return len(parts) - n <= 2  # module.attr or module.Class.attr
    return False


def test_cited_modules_exist() -> None:
    missing = []
    for path in SOURCES:
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.lstrip().startswith(("import ", "from ")):
                continue
            # Not modules: a file name after a quote or dot (".reelkit.lock"), a host in a URL,
            # a literal key in double backticks (``reelkit.crop``).
            for ref in re.findall(r"(?<![.\w\"'/])(?<!``)reelkit(?:\.[a-z_][a-z0-9_]*)+", line):
                if ref.startswith("reelkit.ffmpeg") and "getLogger" in line:
                    continue  # a logger name, not a module
                if not _module_exists(ref):
                    missing.append(f"{path.relative_to(REPO)}:{line_no}: {ref}")
    assert not missing, missing


def test_cited_documents_exist() -> None:
    missing = []
    for path in SOURCES:
        for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for doc in re.findall(r"[\w./-]+\.md\b", line):
                if not any((REPO / doc).is_file() or (REPO / d / doc).is_file() for d in (".", "docs", "brand")):
                    missing.append(f"{path.relative_to(REPO)}:{line_no}: {doc}")
    assert not missing, missing
