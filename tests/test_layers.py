"""The house reads one way: import-linter's contracts (pyproject.toml) hold, and no module
reaches into another package's private names.

The contracts: each floor imports only the floors below it (cli, batch, pipeline | doctor,
deliver, render, decide, cut | reframe | captions | brand, speech | vision, plan, io, errors),
siblings on one floor do not import each other, and no two modules of one package import
each other in a cycle. A back-arrow fails this test with import-linter's report.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "reelkit"


def _lint_imports() -> list[str]:
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.fail("lint-imports is missing: pip install -e '.[test]' (import-linter)")
    return [exe, "--config", str(ROOT / "pyproject.toml"), "--no-cache"]


def test_import_contracts_hold() -> None:
    proc = subprocess.run(_lint_imports(), cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout[proc.stdout.find("Broken contracts"):] + proc.stderr
    assert "0 broken" in proc.stdout


def _module_package(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).parts[:-1])


def test_no_private_names_imported_across_packages() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _module_package(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reelkit"):
                target = ROOT.joinpath(*node.module.split("."))
                source_pkg = node.module if target.is_dir() else node.module.rpartition(".")[0]
                for alias in node.names:
                    private = alias.name.startswith("_") and not alias.name.endswith("__")
                    if private and source_pkg != here:
                        offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.module}.{alias.name}")
    assert not offenders, "private names imported from another package:\n" + "\n".join(offenders)


def _has_reason(lines: list[str], node: ast.stmt) -> bool:
    """A comment on the import's line, or above it (over the other imports of its block)."""
    i = node.lineno - 1
    if "#" in lines[i]:
        return True
    i -= 1
    while i >= 0:
        text = lines[i].strip()
        if text.startswith("#"):
            return True
        if not text.startswith(("import ", "from ")):
            return False
        i -= 1
    return False


def test_imports_inside_functions_say_why() -> None:
    """An import inside a function is there only to load a heavy dependency lazily (torch,
    Whisper, the web stack ...), and says so in a comment; everything else imports at the top."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for func in ast.walk(ast.parse(text)):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, (ast.Import, ast.ImportFrom)) and not _has_reason(lines, node):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert not offenders, "imports inside functions without a reason:\n" + "\n".join(sorted(set(offenders)))
