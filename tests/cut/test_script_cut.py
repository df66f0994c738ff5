"""The script-driven cut on raw espeak footage with exact word times: takes, fillers, false
starts, off-script talk, pauses; `render --script`, `reelkit cut` (segments, report, plot),
outlines with `cut: script`, and bad inputs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pysrt
import pytest
from click.testing import CliRunner

from conftest import needs_espeak
from raw_footage import SCRIPT, SCRIPT_LINES, raw_clip, to_output
from reelkit.cli.main import main
from reelkit.errors import InputError
from reelkit.plan.edit import EditSettings
from reelkit.plan.planfile import read_plan_file
from reelkit.cut.heard import listen
from reelkit.cut.script_cut import decide_cut, read_script
from reelkit.speech.align import normalise, script_tokens
from reelkit.cut.takes import StreamWord, find_takes, script_lines

pytestmark = needs_espeak
FPS = 30.0


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("raw")
    clip, words = raw_clip(folder)
    script = folder / "narration.txt"
    script.write_text(SCRIPT, encoding="utf-8")
    return clip, words, script


@pytest.fixture(scope="module")
def heard(raw):
    """The raw clip heard by each backend (transcripts cached for the later tests)."""
    clip = raw[0]
    return {b: listen([clip], SCRIPT, backend=b) for b in ("faster-whisper", "openai-whisper")}


def kept_fraction(pieces, start: float, end: float) -> float:
    inside = sum(max(0.0, min(p.end, end) - max(p.start, start)) for p in pieces)
    return inside / (end - start)


def check_cut(pieces, words, caption_words) -> None:
    keep = [w for w in words if w.label.startswith("keep")]
    for w in keep:  # every kept word whole inside one kept span
        assert any(p.start <= w.start and w.end <= p.end for p in pieces), (w.text, w.start)
    groups: dict[str, list] = {}
    for w in words:
        if not w.label.startswith("keep"):
            key = w.label if w.label != "filler" else f"filler@{w.start:.2f}"
            groups.setdefault(key, []).append(w)
    assert {k.split("@")[0] for k in groups} == {"false_start", "off_script", "filler", "earlier_take"}
    for key, ws in groups.items():
        total = sum(w.end - w.start for w in ws)
        kept = sum(kept_fraction(pieces, w.start, w.end) * (w.end - w.start) for w in ws)
        assert kept <= 0.2 * total, (key, kept, total)
    # Script order, and no pause over 0.6 s between consecutive kept words in the output.
    outs = [(to_output(pieces, w.start), to_output(pieces, w.end), int(w.label[5:])) for w in keep]
    assert [o[2] for o in outs] == sorted(o[2] for o in outs)
    for (a0, a1, _), (b0, b1, _) in zip(outs, outs[1:]):
        assert a1 <= b0 and b0 - a1 <= 0.6, (a1, b0)
    # Captions are the script's words exactly, in order (0 % WER).
    assert [w.text for w in caption_words] == script_tokens(SCRIPT)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["faster-whisper", "openai-whisper"])
def test_script_decides_the_cut(raw, heard, backend: str) -> None:
    _, words, _ = raw
    decision = decide_cut(SCRIPT, heard[backend], EditSettings(), FPS)
    check_cut(decision.pieces, words, decision.words)
    for p in decision.pieces:  # whole output frames: video and audio cut together
        n = (p.end - p.start) * FPS
        assert abs(n - round(n)) < 1e-6
    line2 = decision.lines[1]
    assert len(line2.takes) == 2 and line2.kept == 1 and line2.reason.startswith("last complete")
    first = decide_cut(SCRIPT, heard[backend], EditSettings(takes="first"), FPS)
    assert first.lines[1].kept == 0
    early = [w for w in words if w.label == "earlier_take"]
    assert all(kept_fraction(first.pieces, w.start, w.end) == 1.0 for w in early)


@pytest.fixture(scope="module")
def rendered(raw, tmp_path_factory: pytest.TempPathFactory):
    clip, _, script = raw
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(main, ["render", str(clip), "--script", str(script), "--platform", "tiktok",
                                       "--out", str(out), "--quiet", "--preset", "ultrafast"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    folder = out / "raw-take"
    return folder, read_plan_file(folder / "plan.json")[0]


@pytest.mark.slow
def test_render_script_cuts_and_captions_read_the_script(raw, rendered) -> None:
    _, words, _ = raw
    folder, plan = rendered
    check_cut([_Span(c.src_start, c.src_end) for c in plan.cuts], words, plan.words)
    srt = " ".join(item.text.replace("\n", " ") for item in pysrt.open(str(folder / "raw-take.srt")))
    assert srt.split() == script_tokens(SCRIPT)
    assert [w.text for p in plan.pages for w in p.words] == script_tokens(SCRIPT)
    # One timing path: the kept words timed by forced alignment on the kept voice (issue 17).
    assert {w.timing for w in plan.words} <= {"forced", "interpolated"}
    assert sum(w.timing == "forced" for w in plan.words) >= len(plan.words) - 1
    starts = [w.start for p in plan.pages for w in p.words]
    assert starts == sorted(starts)
    # The decisions, in plan.json's documented shape.
    data = json.loads((folder / "plan.json").read_text(encoding="utf-8"))["script_cut"]
    assert [d["line"] for d in data] == SCRIPT_LINES
    assert set(data[0]) == {"line", "takes", "kept", "reason", "removed"}
    assert set(data[1]["takes"][0]) == {"source", "start", "end", "coverage"}
    kinds = {r["kind"] for d in data for r in d["removed"]}
    assert {"false_start", "filler", "repetition", "pause"} <= kinds
    # Frame-exact and in sync: the video is as long as the cuts.
    from conftest import stream_facts

    facts = stream_facts(folder / "tiktok.mp4")
    assert abs(facts["duration"] - plan.duration) < 0.08


class _Span:
    def __init__(self, start: float, end: float) -> None:
        self.start, self.end = start, end


@pytest.mark.slow
def test_cut_command_segments_render_the_same_cut(raw, rendered, tmp_path: Path) -> None:
    from reelkit.decide.build import PlanRequest, build_plan
    from reelkit.cut.report import KEPT, PAUSE, REMOVED, kept_colour_at
    from reelkit.plan.outline import load_outline

    clip, words, script = raw
    out = tmp_path / "review" / "segments.yaml"
    plot = tmp_path / "cut.png"
    result = CliRunner().invoke(main, ["cut", str(clip), "--script", str(script), "-o", str(out),
                                       "--plot", str(plot)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = result.output
    # Every take and every removal, with times.
    assert "take 1: raw take.mp4 0:17." in report and "take 2: raw take.mp4 0:22." in report
    for kind in ("false_start", "filler", "repetition", "pause"):
        assert f"removed {kind}" in report
    assert out.with_name("segments.report.txt").read_text(encoding="utf-8") in report
    # The segments, rendered the normal way, give the same cut as render --script.
    outline = load_outline(out)
    assert not any(s.script_cut for s in outline.segments)
    plan = build_plan(outline, PlanRequest(inputs=(out,), platforms=("tiktok",)), tmp_path / "x")
    _, script_plan = rendered
    assert [(c.src_start, c.src_end, c.out_start, c.out_end) for c in plan.cuts] == \
        [(c.src_start, c.src_end, c.out_start, c.out_end) for c in script_plan.cuts]
    # The plot: kept spans green, removed ones red, shortened pauses grey, at their times.
    dur = float(raw_duration(clip))
    for c in plan.cuts:
        assert kept_colour_at(plot, 0, (c.src_start + c.src_end) / 2, dur) == KEPT
    for w in words:
        if w.label in ("false_start", "earlier_take", "off_script"):
            assert kept_colour_at(plot, 0, (w.start + w.end) / 2, dur) == REMOVED, w
    assert kept_colour_at(plot, 0, 13.7, dur) == PAUSE  # the 1.3 s pause inside line 1


def raw_duration(clip: Path) -> float:
    from reelkit.io.probe import probe

    return probe(clip).duration


@pytest.mark.slow
def test_outline_mixes_script_cut_and_timed_segments(raw, heard, broll, tmp_path: Path) -> None:
    import shutil

    from reelkit.decide.build import PlanRequest, build_plan
    from reelkit.plan.outline import load_outline

    clip = raw[0]
    shutil.copy(clip, tmp_path / "raw.mp4")
    shutil.copy(broll, tmp_path / "broll.mp4")
    path = tmp_path / "ep.yaml"
    path.write_text(json.dumps({
        "title": "Mixed", "platforms": ["tiktok"], "script": SCRIPT,
        "edit": {"takes": "first", "punch_in": 1.08, "pause_between": 0.4},
        "segments": [{"clip": "raw.mp4", "cut": "script", "lower_third": {"name": "Anna"}},
                     {"clip": "broll.mp4", "start": 0.5, "end": 1.5, "captions": False}]}), encoding="utf-8")
    outline = load_outline(path)
    assert outline.edit.takes == "first" and outline.segments[0].script_cut
    plan = build_plan(outline, PlanRequest(inputs=(path,)), tmp_path / "out")
    *talk, last = plan.cuts
    assert plan.source(last.source).path.endswith("broll.mp4")
    # Cut on whole frames of the plan (the source rate, 25 fps here): 0.5 s starts at frame 12.
    assert last.src_start == pytest.approx(0.5, abs=1 / plan.fps) and round(last.duration, 6) == 1.0
    assert all(plan.source(c.source).path.endswith("raw.mp4") for c in talk)
    assert plan.script_cut[1].kept == 0  # takes: first
    # Punch-in: every second jump cut inside the shot is a tighter crop of the same centre.
    crops = [c.crop for c in talk]
    assert crops[1].w < crops[0].w and abs((crops[1].x + crops[1].w / 2) - (crops[0].x + crops[0].w / 2)) <= 1
    assert crops[2] == crops[0]
    assert [w.text for w in plan.words] == script_tokens(SCRIPT)
    assert all(w.end <= last.out_start + 1e-6 for w in plan.words)


def test_outline_edit_block_is_checked(tmp_path: Path, broll: Path) -> None:
    import shutil

    from reelkit.errors import OutlineError
    from reelkit.plan.outline import load_outline

    shutil.copy(broll, tmp_path / "b.mp4")
    path = tmp_path / "ep.yaml"
    path.write_text("title: T\nscript: Hello there.\nedit:\n  takes: worst\nsegments:\n  - clip: b.mp4\n    cut: script\n",
                    encoding="utf-8")
    with pytest.raises(OutlineError, match="edit.takes"):
        load_outline(path)
    path.write_text("title: T\nsegments:\n  - clip: b.mp4\n    cut: script\n", encoding="utf-8")
    with pytest.raises(OutlineError, match="needs the outline's 'script'"):
        load_outline(path)


@pytest.mark.slow
def test_a_missing_line_is_an_error_unless_allowed(raw, heard, caplog) -> None:
    audios = heard["faster-whisper"]
    extra = SCRIPT + "Bananas are yellow and taste very sweet indeed.\n"
    with pytest.raises(InputError, match=r"1 script line\(s\) found in no clip: 'Bananas are yellow.*not found in any clip"):
        decide_cut(extra, audios, EditSettings(), FPS)
    with caplog.at_level(logging.WARNING, logger="reelkit.cut"):
        decision = decide_cut(extra, audios, EditSettings(missing_lines="warn"), FPS)
    assert decision.missing == ("Bananas are yellow and taste very sweet indeed.",)
    assert "Bananas are yellow" in caplog.text
    assert decision.lines[-1].kept is None and decision.lines[-1].reason == "not found in any clip"
    with pytest.raises(InputError, match="no line of the script was found"):
        decide_cut("Bananas are yellow and taste very sweet indeed.\nPlums are purple.", audios, EditSettings(), FPS)


@pytest.mark.slow
@pytest.mark.parametrize("content, message", [
    (b"  \n\n", "the script is empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "is not a text file"),
    # Same glossary (mains, Harbour, Street) as the real script, so the cached transcript serves.
    (b"Bananas grow well beside mains near Harbour Street.\n", "no line of the script was found"),
])
def test_bad_scripts_give_one_line_and_write_nothing(raw, tmp_path: Path, content: bytes, message: str) -> None:
    clip = raw[0]
    script = tmp_path / "narration.txt"
    script.write_bytes(content)
    out = tmp_path / "segments.yaml"
    result = CliRunner().invoke(main, ["cut", str(clip), "--script", str(script), "-o", str(out),
                                       "--plot", str(tmp_path / "p.png")])
    assert result.exit_code != 0
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == [script]
    result = CliRunner().invoke(main, ["render", str(clip), "--script", str(script), "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and message in result.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.mp4"))


# --- pure parts: no audio --------------------------------------------------------------------

def stream(text: str, source: int = 0, t0: float = 0.0) -> list[StreamWord]:
    return [StreamWord(source, w, t0 + i * 0.5, t0 + i * 0.5 + 0.3) for i, w in enumerate(text.split())]


def test_takes_are_found_each_time_a_line_is_read() -> None:
    lines = script_lines("Crews replace the water mains on Harbour Street. The work takes six weeks!")
    assert lines == ["Crews replace the water mains on Harbour Street.", "The work takes six weeks!"]
    words = (stream("crews replace the um okay again crews replace the water mains on harbor street")
             + stream("uh the work takes six weeks the work takes 6 weeks", source=1))
    takes = find_takes(lines, words)
    first, second = takes
    assert [(t.source, t.complete) for t in first] == [(0, False), (0, True)]
    assert first[0].coverage < 0.5 and first[1].coverage == 1.0
    assert [(t.source, t.complete) for t in second] == [(1, True), (1, True)]
    assert words[first[1].first].start == 3.0  # the restart, not the false start
    assert all(normalise(words[k].text) != "uh" for t in second for k in t.heard)


def test_read_script_rejects_binary_and_empty(tmp_path: Path) -> None:
    p = tmp_path / "s.txt"
    p.write_bytes(b"\xff\xfe\x00b\x00a")
    with pytest.raises(InputError, match="not a text file"):
        read_script(p)
    p.write_text("\n \n", encoding="utf-8")
    with pytest.raises(InputError, match="empty"):
        read_script(p)
    p.write_text("One line.\nTwo. Three!\n", encoding="utf-8")
    assert script_lines(read_script(p)) == ["One line.", "Two.", "Three!"]
