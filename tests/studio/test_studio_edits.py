"""Studio edits on the plan of a `render --script` episode (no browser): timeline edits keep
words with their sound, cut edges move by whole frames, history survives a restart, and the
proxy is the plan at half size with a keyframe every second."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio_helpers import copy_episode, script_episode  # noqa: F401 (fixture)
from reelkit.errors import InputError
from reelkit.plan.planfile import dump_plans, read_plan_file
from reelkit.studio import edits, page_edits


@pytest.fixture(scope="module")
def plan(script_episode: Path):  # noqa: F811
    return read_plan_file(script_episode / "plan.json")[0]


def source_time(plan, t: float) -> float:
    for c in plan.cuts:
        if c.out_start - 1e-6 <= t < c.out_end:
            return c.src_start + t - c.out_start
    raise AssertionError(t)


def test_move_edge_adds_whole_frames_and_moves_later_words(plan) -> None:
    moved = edits.move_edge(plan, 0, "end", 5)
    assert moved.frame_count == plan.frame_count + 5
    assert moved.cuts[0].src_end_frame == plan.cuts[0].src_end_frame + 5
    for old, new in zip(plan.words, moved.words):  # every word keeps its source moment
        assert abs(source_time(plan, old.start) - source_time(moved, new.start)) < 1e-5
    later = [n.start - o.start for o, n in zip(plan.words, moved.words) if o.start >= plan.cuts[0].out_end]
    assert later and all(abs(d - 5 / plan.fps) < 1e-5 for d in later)
    shorter = edits.move_edge(plan, 1, "start", -3)
    assert shorter.frame_count == plan.frame_count - 3
    with pytest.raises(InputError, match="repeat frames"):
        edits.move_edge(plan, 0, "end", plan.cuts[1].src_start_frame - plan.cuts[0].src_end_frame + 1)
    assert edits.move_edge(plan, 0, "end", 1).overlays[0].end == pytest.approx(plan.duration + 1 / plan.fps)


def test_remove_then_restore_a_span_gives_the_same_cut(plan) -> None:
    cut = plan.cuts[3]
    removed = edits.set_span(plan, 0, cut.src_start + 0.2, cut.src_end - 0.2, keep=False)
    assert len(removed.cuts) == len(plan.cuts) + 1
    assert removed.frame_count < plan.frame_count
    assert len(removed.words) < len(plan.words)  # the words said there left with their sound
    back = edits.set_span(removed, 0, cut.src_start + 0.2, cut.src_end - 0.2, keep=True)
    assert [(c.src_start_frame, c.src_end_frame) for c in back.cuts] == \
        [(c.src_start_frame, c.src_end_frame) for c in plan.cuts]


def test_keep_another_take_swaps_the_lines_material(plan) -> None:
    line = 1
    swapped = edits.keep_take(plan, line, 0)
    early, late = plan.script_cut[line].takes
    assert swapped.script_cut[line].kept == 0
    kept = lambda p, t: sum(max(0.0, min(c.src_end, t.end) - max(c.src_start, t.start)) for c in p.cuts)  # noqa: E731
    assert kept(swapped, early) == pytest.approx(early.end - early.start, abs=0.05)
    assert kept(swapped, late) == 0.0
    texts = [w.text for p in swapped.pages for w in p.words]
    assert texts.count("weeks.") == 1  # the line is captioned once


def test_caption_edits_are_checked(plan) -> None:
    fixed = page_edits.fix_word(plan, 2, 0, "upon")
    assert fixed.pages[2].words[0].text == "upon" and "upon" in [w.text for w in fixed.words]
    for bad in ("", "two words", "x" * 61, "tab\there", 5):
        with pytest.raises(InputError):
            page_edits.fix_word(plan, 2, 0, bad)
    split = page_edits.rebreak_page(plan, 0, "split", 2)
    assert len(split.pages) == len(plan.pages) + 1
    assert [w.text for w in split.pages[0].words] == [w.text for w in plan.pages[0].words[:2]]
    assert split.pages[0].end < split.pages[1].start
    joined = page_edits.rebreak_page(split, 0, "join")
    assert [w.text for w in joined.pages[0].words] == [w.text for w in plan.pages[0].words]
    one_line = page_edits.rebreak_page(plan, 0, "line", 0)
    assert len(one_line.pages[0].lines) == 1
    moved = page_edits.move_overlay(plan, 1, 40, 60)
    assert (moved.overlays[1].x, moved.overlays[1].y) == (40, 60)
    assert len(page_edits.delete_overlay(plan, 1).overlays) == len(plan.overlays) - 1
    meta = page_edits.set_metadata(plan, "Water works", ["#harbour", "city"])
    assert meta.hashtags == ("harbour", "city")


def test_every_edit_reads_back_as_a_valid_plan(plan, tmp_path: Path) -> None:
    edited = edits.restore_take(edits.move_edge(plan, 0, "end", 5), 1, 0)
    path = tmp_path / "plan.json"
    path.write_text(dump_plans([edited]), encoding="utf-8")
    again = read_plan_file(path)[0]
    assert again.frame_count == edited.frame_count and again.pages == edited.pages


def test_history_survives_a_restart(script_episode: Path, tmp_path: Path) -> None:  # noqa: F811
    from reelkit.studio.session import Session

    folder = copy_episode(script_episode, tmp_path)
    original = (folder / "plan.json").read_bytes()
    state = tmp_path / "state"
    first = Session(folder / "plan.json", state, proxy=False)
    first.apply({"op": "move_edge", "cut": 0, "edge": "end", "frames": 2})
    first.apply({"op": "fix_word", "page": 0, "word": 0, "text": "Later"})
    first.close()
    second = Session(folder / "plan.json", state, proxy=False)
    assert len(second.history.undo_stack) == 2
    assert second.undo() and second.undo() and not second.undo()
    assert (folder / "plan.json").read_bytes() == original
    assert second.redo()
    assert read_plan_file(folder / "plan.json")[0].frame_count == read_plan_file(script_episode / "plan.json")[0].frame_count + 2
    with pytest.raises(InputError):
        second.apply({"op": "move_edge", "cut": 0, "edge": "sideways", "frames": 1})
    second.close()


def _frame(path: Path, n: int):
    import av
    import numpy as np

    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i == n:
                return f.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(n)


def test_proxy_is_half_size_with_a_keyframe_each_second(plan, tmp_path: Path) -> None:
    import av
    import numpy as np

    from reelkit.studio.proxy import make_proxy_media, media_path, render_proxy

    out = render_proxy(plan, tmp_path / "proxy.mp4", tmp_path / "work")
    # On proxy media (the sources at half size, crops scaled) the picture is the same.
    make_proxy_media(plan, tmp_path / "work" / "overlays")
    assert media_path(plan.sources[0], tmp_path / "work" / "overlays").is_file()
    again = render_proxy(plan, tmp_path / "again.mp4", tmp_path / "work")
    n = int(plan.cuts[1].out_start * 30) + 10
    assert np.abs(_frame(out, n) - _frame(again, n)).mean() < 6
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.codec_context.width, v.codec_context.height) == (540, 960)
        keys = [float(p.pts * v.time_base) for p in c.demux(v) if p.is_keyframe]
    assert len(keys) >= int(plan.duration)
    assert all(b - a <= 1.0 + 1e-6 for a, b in zip(keys, keys[1:]))
