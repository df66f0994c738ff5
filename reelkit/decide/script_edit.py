"""``reelkit cut`` as a library call: raw clips + a script -> the decided edit as outline
segments, the report beside them and an optional plot, written together or not at all."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from reelkit.cut.report import draw_plot, report_text, segments_document
from reelkit.cut.script_cut import Expanded, expand_outline
from reelkit.decide.build import PlanRequest, load_request_outline, plan_rate, select_platforms
from reelkit.errors import InputError
from reelkit.io.transaction import staged_files

HEADER = "# Written by `reelkit cut`: the script-driven edit with explicit times.\n"


@dataclass(frozen=True)
class ScriptEdit:
    """What ``reelkit cut`` decided and wrote."""

    expanded: Expanded
    report: str
    files: tuple[Path, ...]  # the outline, its report, the plot when asked for


def report_path(output: Path) -> Path:
    """Where the report of ``output`` goes: ``<stem>.report.txt`` beside it."""
    return output.with_name(output.stem + ".report.txt")


def cut_by_script(request: PlanRequest, output: Path, plot_file: Path | None = None) -> ScriptEdit:
    """Decide the edit of ``request.inputs`` by the script (``request.script_file`` or the
    outline's) and write ``output`` (outline segments), its report and ``plot_file``."""
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise InputError("output must end in .yaml", path=str(output))
    outline = load_request_outline(request.inputs, request.script_file)
    if not (outline.script or "").strip():
        raise InputError("no script to cut by", key="--script", hint="give --script narration.txt")
    if not any(s.script_cut for s in outline.segments):
        # An outline without `cut: script` segments: cut all of its talking clips by the script.
        outline = replace(outline, segments=tuple(replace(s, script_cut=s.captions) for s in outline.segments))
    fps = float(plan_rate(outline, select_platforms(request, outline)[0]))
    expanded = expand_outline(outline, fps=fps, backend=request.asr_backend, model=request.model,
                              use_cache=request.use_cache)
    report = report_text(expanded)
    finals = [output, report_path(output)] + ([plot_file] if plot_file is not None else [])
    with staged_files(finals) as temps:
        document = segments_document(expanded, output, fps)
        temps[0].write_text(HEADER + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100),
                            encoding="utf-8")
        temps[1].write_text(report, encoding="utf-8")
        if plot_file is not None:
            draw_plot(expanded, temps[2])
    return ScriptEdit(expanded, report, tuple(finals))
