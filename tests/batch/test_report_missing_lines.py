"""The batch report lists episodes published without script lines (edit.missing_lines: warn)."""

from __future__ import annotations

import json
from pathlib import Path

from reelkit.batch.report import episode_facts, render_html
from reelkit.batch.work import EpisodeOutcome


def test_report_lists_episodes_published_without_lines(tmp_path: Path) -> None:
    folder = tmp_path / "ep"
    folder.mkdir()
    cut = [{"line": "Water is off.", "takes": [], "kept": 0, "reason": "last complete take", "removed": []},
           {"line": "Crews <arrive> at 9.", "takes": [], "kept": None, "reason": "not found in any clip",
            "removed": []}]
    (folder / "plan.json").write_text(json.dumps({"pages": [], "script_cut": cut}), encoding="utf-8")
    outcome = EpisodeOutcome(key="ep", title="Works", status="rendered", index=3, folder=str(folder),
                             files={}, checks={}, loudness={})
    facts = episode_facts(outcome, tmp_path)
    assert facts["missing_lines"] == ["Crews <arrive> at 9."]
    page = render_html({"series": "S", "finished": "now", "reelkit": "x", "wall_seconds": 1, "episodes_total": 1,
                        "rendered": 1, "skipped": 0, "failed": 0, "not_finished": 0, "episodes": [facts]})
    assert "1 episode(s) published without script lines" in page
    assert "3. Works: without \u201cCrews &lt;arrive&gt; at 9.\u201d" in page
