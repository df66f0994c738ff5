"""staged_files: files that belong together are moved in together, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from reelkit.io.transaction import staged_files


def test_all_files_move_in_together(tmp_path: Path) -> None:
    finals = [tmp_path / "cut.yaml", tmp_path / "plots" / "cut.png"]
    with staged_files(finals) as temps:
        for tmp, text in zip(temps, ("segments", "plot")):
            tmp.write_text(text, encoding="utf-8")
        assert not any(f.exists() for f in finals)  # nothing final before the block ends
    assert [f.read_text(encoding="utf-8") for f in finals] == ["segments", "plot"]
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["cut.png", "cut.yaml"]


def test_a_failure_keeps_the_previous_files_and_leaves_no_partials(tmp_path: Path) -> None:
    old = tmp_path / "cut.yaml"
    old.write_text("previous run", encoding="utf-8")
    report = tmp_path / "cut.report.txt"
    with pytest.raises(RuntimeError):
        with staged_files([old, report]) as temps:
            temps[0].write_text("new, half done", encoding="utf-8")
            raise RuntimeError("the plot failed")
    assert old.read_text(encoding="utf-8") == "previous run" and not report.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["cut.yaml"]
