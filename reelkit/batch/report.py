"""The morning report: ``OUT/report.json`` and a self-contained ``OUT/report.html``.

Both hold the same facts: totals, then per episode its status, duration, cover, contact
sheet, per-platform files with check results and loudness, the accessibility statement
(:mod:`reelkit.deliver.statement`), a caption excerpt and, when the
script-driven cut made them, its decisions (``script_cut`` in plan.json). The HTML has
inline CSS, no script and no network: images are referred to by paths relative to OUT, so
the folder can be copied or served as a whole. Failed episodes come first, with their error.
"""

from __future__ import annotations

import html
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelkit import __version__
from reelkit.batch.series import Series
from reelkit.batch.work import EpisodeOutcome
from reelkit.deliver.statement import statement_rows
from reelkit.io.atomic import write_json_atomic, write_text_atomic

REPORT_HTML = "report.html"
REPORT_JSON = "report.json"
EXCERPT_PAGES = 4


@dataclass
class BatchResult:
    """Every episode's outcome in series order, the preflight problems and the wall time."""

    series: Series
    outcomes: list[EpisodeOutcome]
    problems: list[str]
    wall_seconds: float
    report_html: Path | None = None
    report_json: Path | None = None
    interrupted: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def _rel(path: str | None, out_dir: Path) -> str | None:
    if not path:
        return None
    return Path(os.path.relpath(Path(path).resolve(), out_dir.resolve())).as_posix()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _plan_parts(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """A plan.json holds one plan, or several under ``plans`` (one per frame size)."""
    parts = plan.get("plans")
    return [p for p in parts if isinstance(p, dict)] if isinstance(parts, list) else [plan]


def caption_excerpt(plan: dict[str, Any], pages: int = EXCERPT_PAGES) -> str:
    """The first caption pages' text, pages separated by `` / ``."""
    texts = []
    for page in (_plan_parts(plan)[0].get("pages") or [])[:pages]:
        words = [w.get("text", "") for line in page.get("lines", []) for w in line if isinstance(w, dict)]
        texts.append(" ".join(words))
    return " / ".join(t for t in texts if t)


def cut_decisions(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """The script-driven cut's decisions (one per script line), empty when none were made."""
    out: list[dict[str, Any]] = []
    for part in _plan_parts(plan):
        value = part.get("script_cut")
        if isinstance(value, list):
            out.extend(d for d in value if isinstance(d, dict))
    return out


def episode_facts(outcome: EpisodeOutcome, out_dir: Path) -> dict[str, Any]:
    """Everything the report shows about one episode (paths relative to ``out_dir``)."""
    folder = Path(outcome.folder) if outcome.folder else None
    plan = _read_json(folder / "plan.json") if folder and outcome.status in ("rendered", "skipped") else {}
    metadata = _read_json(folder / "metadata.json") if plan else {}
    platforms = []
    for name, file in outcome.files.items():
        meta = (metadata.get("platforms") or {}).get(name, {})
        failures = list(outcome.checks.get(name, meta.get("failures", [])))
        platforms.append({
            "platform": name, "file": _rel(file, out_dir), "size_bytes": meta.get("size_bytes"),
            "checks_passed": not failures if name in outcome.checks or meta else None,
            "failures": failures, "loudness": outcome.loudness.get(name)})
    return {
        "index": outcome.index, "key": outcome.key, "title": outcome.title, "status": outcome.status,
        "source": outcome.source, "error": outcome.error, "problems": list(outcome.problems),
        "render_seconds": round(outcome.seconds, 2), "duration": round(outcome.duration, 3),
        "folder": _rel(outcome.folder, out_dir) if plan else None,
        "cover": _rel(outcome.extras.get("cover"), out_dir), "contact_sheet": _rel(outcome.extras.get("contact_sheet"), out_dir),
        "platforms": platforms, "captions_excerpt": caption_excerpt(plan) if plan else "",
        "cut_decisions": cut_decisions(plan) if plan else [], "worker": outcome.worker,
        "accessibility": metadata.get("accessibility") if isinstance(metadata.get("accessibility"), dict) else None,
        "missing_lines": [d.get("line", "") for d in (cut_decisions(plan) if plan else []) if d.get("kept") is None],
    }


def report_facts(result: BatchResult, out_dir: Path) -> dict[str, Any]:
    """The report.json document."""
    episodes = [episode_facts(o, out_dir) for o in result.outcomes]
    return {
        "reelkit": __version__, "series": result.series.title,
        "series_file": str(result.series.path) if result.series.path else None,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wall_seconds": round(result.wall_seconds, 2), "interrupted": result.interrupted,
        "episodes_total": len(episodes),
        "rendered": result.counts.get("rendered", 0), "skipped": result.counts.get("skipped", 0),
        "failed": result.counts.get("failed", 0), "not_finished": result.counts.get("interrupted", 0),
        "problems": list(result.problems), "episodes": episodes,
        "published_without_lines": [e["index"] for e in episodes if e["missing_lines"]],
    }


def write_reports(result: BatchResult, out_dir: Path) -> tuple[Path, Path]:
    """Write report.json and report.html into ``out_dir`` (atomically); returns (html, json)."""
    facts = report_facts(result, out_dir)
    json_path = write_json_atomic(out_dir / REPORT_JSON, facts, fsync=True)
    html_path = write_text_atomic(out_dir / REPORT_HTML, render_html(facts), fsync=True)
    return html_path, json_path


# --- HTML ----------------------------------------------------------------------------------

_CSS = """
body{font:15px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f3f4f6;color:#111}
header{background:#1f2937;color:#fff;padding:16px 24px}
header h1{margin:0 0 6px;font-size:22px}
.totals span{display:inline-block;margin-right:18px}
.totals b{font-size:18px}
main{padding:16px 24px;max-width:1280px}
.failures{background:#fee2e2;border:1px solid #f87171;border-radius:6px;padding:10px 14px;margin-bottom:16px}
.failures h2{margin:0 0 6px;font-size:16px;color:#991b1b}
.failures li{font-family:ui-monospace,monospace;font-size:13px;word-break:break-all}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);margin:0 0 16px;padding:14px;
      display:grid;grid-template-columns:150px 1fr;gap:14px}
.card.failed{border-left:6px solid #dc2626}
.card.rendered{border-left:6px solid #16a34a}
.card.skipped{border-left:6px solid #6b7280}
.card.interrupted{border-left:6px solid #d97706}
.card h2{margin:0 0 4px;font-size:18px}
.cover{width:150px;height:auto;border-radius:4px;background:#ddd}
.sheet{max-width:100%;height:auto;margin:8px 0;border:1px solid #ddd}
.status{font-weight:bold;text-transform:uppercase;font-size:12px;padding:2px 6px;border-radius:3px;color:#fff}
.status.failed{background:#dc2626}.status.rendered{background:#16a34a}.status.skipped{background:#6b7280}
.status.interrupted{background:#d97706}
.error{font-family:ui-monospace,monospace;color:#991b1b;font-size:13px;word-break:break-all}
table{border-collapse:collapse;margin:6px 0;font-size:13px}
td,th{border:1px solid #e5e7eb;padding:3px 8px;text-align:left}
.ok{color:#166534}.bad{color:#991b1b}
.excerpt{font-style:italic;color:#374151}
.muted{color:#6b7280;font-size:13px}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _mmss(seconds: float) -> str:
    seconds = max(0.0, float(seconds))
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def _platform_rows(ep: dict[str, Any]) -> str:
    rows = []
    for p in ep["platforms"]:
        if p["checks_passed"] is None:
            check = '<span class="muted">not checked</span>'
        elif p["checks_passed"]:
            check = '<span class="ok">passed</span>'
        else:
            check = '<span class="bad">' + _e("; ".join(p["failures"])) + "</span>"
        ld = p.get("loudness")
        loud = f"{ld['integrated_lufs']:.1f} LUFS / {ld['true_peak_db']:.1f} dBTP" if ld else "no audio"
        size = f"{p['size_bytes'] / 1e6:.1f} MB" if p.get("size_bytes") else ""
        rows.append(f'<tr><td>{_e(p["platform"])}</td><td><a href="{_e(p["file"])}">{_e(p["file"])}</a></td>'
                    f"<td>{_e(size)}</td><td>{check}</td><td>{_e(loud)}</td></tr>")
    if not rows:
        return ""
    return ("<table><tr><th>platform</th><th>file</th><th>size</th><th>checks</th><th>loudness</th></tr>"
            + "".join(rows) + "</table>")


def _cut_table(decisions: list[dict[str, Any]]) -> str:
    if not decisions:
        return ""
    rows = []
    for d in decisions:
        kept = d.get("kept")
        takes = d.get("takes") or []
        take_text = ", ".join(f"{Path(str(t.get('source', ''))).name} {float(t.get('start', 0)):.2f}-"
                              f"{float(t.get('end', 0)):.2f}s ({float(t.get('coverage', 0)):.0%})"
                              for t in takes if isinstance(t, dict))
        removed = d.get("removed") or []
        removed_text = ", ".join(f"{r.get('kind', '')} {float(r.get('start', 0)):.2f}-{float(r.get('end', 0)):.2f}s"
                                 for r in removed if isinstance(r, dict))
        rows.append(f"<tr><td>{_e(d.get('line', ''))}</td><td>{_e(take_text)}</td>"
                    f"<td>{_e(kept if kept is not None else '')}</td><td>{_e(d.get('reason', ''))}</td>"
                    f"<td>{_e(removed_text)}</td></tr>")
    return ('<details class="cuts"><summary>Cut decisions (' + str(len(decisions)) + " script lines)</summary>"
            "<table><tr><th>line</th><th>takes</th><th>kept</th><th>reason</th><th>removed</th></tr>"
            + "".join(rows) + "</table></details>")


def _accessibility(ep: dict[str, Any]) -> str:
    """The episode's accessibility statement (WCAG 2.1 AA facts) as a small table."""
    statement = ep.get("accessibility")
    if not statement:
        return ""
    rows = "".join(f'<tr><th>{_e(label)}</th><td class="{"bad" if "FAIL" in value or label == "problem" else ""}">'
                   f"{_e(value)}</td></tr>" for label, value in statement_rows(statement))
    return f'<table class="a11y"><caption>Accessibility</caption>{rows}</table>'


def _img(src: str | None, cls: str, alt: str) -> str:
    if not src:
        return f'<div class="{cls} muted">no {alt}</div>'
    return f'<img class="{cls}" src="{_e(src)}" alt="{_e(alt)}">'


def _card(ep: dict[str, Any]) -> str:
    status = ep["status"]
    parts = [f'<article class="card {_e(status)}" id="ep-{_e(ep["index"])}" data-status="{_e(status)}">',
             f"<div>{_img(ep['cover'], 'cover', 'cover')}</div><div>",
             f'<h2>{_e(ep["index"])}. {_e(ep["title"])} <span class="status {_e(status)}">{_e(status)}</span></h2>',
             f'<div class="muted">{_e(ep["source"])}</div>']
    if status in ("failed", "interrupted"):
        for line in ep["problems"] or [ep["error"]]:
            parts.append(f'<p class="error">{_e(line)}</p>')
    else:
        took = f", rendered in {_mmss(ep['render_seconds'])}" if status == "rendered" else ", up to date (skipped)"
        parts.append(f'<p>duration {_mmss(ep["duration"])}{_e(took)}</p>')
        parts.append(_img(ep["contact_sheet"], "sheet", "contact sheet"))
        parts.append(_platform_rows(ep))
        parts.append(_accessibility(ep))
        if ep["captions_excerpt"]:
            parts.append(f'<p class="excerpt">\u201c{_e(ep["captions_excerpt"])}\u2026\u201d</p>')
        parts.append(_cut_table(ep["cut_decisions"]))
    parts.append("</div></article>")
    return "".join(parts)


def render_html(facts: dict[str, Any]) -> str:
    """The report page (pure: facts in, HTML text out)."""
    failed = [e for e in facts["episodes"] if e["status"] in ("failed", "interrupted")]
    others = [e for e in facts["episodes"] if e["status"] not in ("failed", "interrupted")]
    totals = "".join(f"<span><b>{facts[k]}</b> {label}</span>" for k, label in (
        ("episodes_total", "episodes"), ("rendered", "rendered"), ("skipped", "skipped"),
        ("failed", "failed"), ("not_finished", "not finished")))
    totals += f"<span><b>{_mmss(facts['wall_seconds'])}</b> wall time</span>"
    head = (f"<header><h1>{_e(facts['series'])}</h1><div class=\"totals\">{totals}</div>"
            f"<div class=\"muted\" style=\"color:#d1d5db\">finished {_e(facts['finished'])} · reelkit "
            f"{_e(facts['reelkit'])}</div></header>")
    banner = ""
    if failed:
        items = "".join(f"<li>{_e(e['index'])}. {_e(e['title'])}: {_e(e['error'])}</li>" for e in failed)
        banner = f'<section class="failures"><h2>{len(failed)} episode(s) failed</h2><ul>{items}</ul></section>'
    short = [e for e in facts["episodes"] if e.get("missing_lines")]
    if short:
        items = "".join(f"<li>{_e(e['index'])}. {_e(e['title'])}: without " + "; ".join(
            f"\u201c{_e(line)}\u201d" for line in e["missing_lines"]) + "</li>" for e in short)
        banner += (f'<section class="failures"><h2>{len(short)} episode(s) published without script lines '
                   f'(edit.missing_lines: warn)</h2><ul>{items}</ul></section>')
    cards = "".join(_card(e) for e in failed + others)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{_e(facts['series'])}: reelkit report</title><style>{_CSS}</style></head>"
            f"<body>{head}<main>{banner}{cards}</main></body></html>\n")
