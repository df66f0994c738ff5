"""plan.json as the contract: exact frames, reading hand-edited files with key paths, the schema."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from reelkit.errors import InputError
from reelkit.plan import frames
from reelkit.io.dataclass_data import to_data
from reelkit.plan.model import CaptionPage, Crop, Cut, OutputSpec, Overlay, Plan, Source, Word, with_exact_frames
from reelkit.plan.planfile import dump_plans, plan_schema, read_plan_file
from reelkit.plan.voice import seek_points
from reelkit.render import graph

from plans import make_plan

SCHEMA = Path(__file__).resolve().parents[2] / "reelkit" / "data" / "plan.schema.json"


@pytest.fixture()
def plan(landscape_clip: Path, tmp_path: Path) -> Plan:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG")
    return make_plan(landscape_clip, logo)


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")  # as reelkit writes it
    return path


def without_line(error: InputError, tmp_path: Path) -> str:
    """The message with the folder and the line number taken out (asserted separately)."""
    text = str(error).replace(str(tmp_path) + "/", "")
    assert re.match(r"plan\.json:\d+: ", text), text  # every plan.json problem names its line
    return re.sub(r"^plan\.json:\d+: ", "plan.json: ", text)


def test_rates_are_exact() -> None:
    assert frames.exact_rate(29.97002997002997) == Fraction(30000, 1001)
    assert frames.exact_rate("30000/1001") == Fraction(30000, 1001)
    assert frames.exact_rate(25.0) == 25 and frames.exact_rate(24000 / 1001) == Fraction(24000, 1001)
    with pytest.raises(ValueError):
        frames.exact_rate("fast")


def test_normalise_lays_cuts_in_frames_with_seconds_derived(plan: Plan) -> None:
    a, b = plan.cuts
    assert (a.out_start_frame, a.out_end_frame, b.out_start_frame, b.out_end_frame) == (0, 27, 27, 42)
    assert a.src_start == round(3 * 1001 / 30000, 6) and b.out_start == round(27 * 1001 / 30000, 6)
    assert plan.frame_count == 42 and plan.duration == round(42 * 1001 / 30000, 6)
    assert plan.rate == Fraction(30000, 1001) and plan.fps == pytest.approx(29.97003)
    # Moving a cut's end by 10 frames changes the whole duration by exactly 10 frames.
    moved = with_exact_frames(replace(plan, cuts=(replace(a, src_end_frame=40), b)))
    assert moved.frame_count == 52 and moved.cuts[1].out_start_frame == 37


def test_seek_is_floored_so_the_first_frame_is_kept(plan: Plan) -> None:
    # Frame 3 at 30000/1001 starts at 0.1001 s exactly; frame 40 at 1.3346666.. s.
    assert seek_points(plan, plan.cuts[0]) == (0, 100100) and seek_points(plan, plan.cuts[1]) == (1134666, 1334666)
    args = graph.cut_inputs(plan)
    # The first cut lies inside the pre-roll: decoded from the file's start (no -ss at all);
    # the second is seeked 0.2 s early. Both trim to the floored start by timestamp.
    assert args[0] == "-t" and args[args.index("-ss") + 1] == "1.134666"
    audio = ";".join(graph.voice_graph(plan)[0])
    assert "atrim=start=0.1001," in audio and "atrim=start=0.2," in audio
    text = ";".join(graph.video_graph(plan, 1, None)[0])
    assert "fps=30000/1001" in text and "trim=end_frame=27" in text and "trim=end_frame=15" in text
    render = graph.render_args(plan, plan.outputs, "/tmp/m.mp4", ass_filter=None, measured=None)
    assert render[render.index("-r") + 1] == "30000/1001" and render[render.index("-frames:v") + 1] == "42"


def test_plan_file_round_trips(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(dump_plans([plan]), encoding="utf-8")
    assert read_plan_file(path) == (plan,)
    other = replace(plan, width=1080, height=1350)
    path.write_text(dump_plans([plan, other]), encoding="utf-8")
    assert read_plan_file(path) == (plan, other)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["pages"][0]["lines"][0][1].update(text=5),
     "plan.json: pages[0].lines[0][1].text: expected a string, got the number 5"),
    (lambda d: d["cuts"][1].update(src_end_frame="55"),
     "plan.json: cuts[1].src_end_frame: expected a whole number or null"),
    (lambda d: d["cuts"][0].update(crop={"x": 0, "y": 0, "w": 2}),
     "plan.json: cuts[0].crop.h: missing"),
    (lambda d: d.update(titel="x"), "plan.json: titel: unknown key"),
    (lambda d: d["cuts"][0].update(source="s7"), "plan.json: cuts[0].source: unknown source 's7'"),
    (lambda d: d["cuts"][0].update(src_end_frame=2), "plan.json: cuts: cut of s0 ends at frame 2"),
    (lambda d: d.update(schema_version=9), "plan.json: schema_version: plan schema version 9 is not supported"),
])
def test_hand_edit_errors_name_the_key_path(plan: Plan, tmp_path: Path, edit, message: str) -> None:
    data = to_data(plan)
    edit(data)
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_plan_file(path)
    assert without_line(info.value, tmp_path).startswith(message)


def test_errors_name_the_line_of_the_key(plan: Plan, tmp_path: Path) -> None:
    data = to_data(plan)
    data["cuts"][1]["src_end_frame"] = "55"
    data["outputs"][0]["bogus"] = 18
    path = write(tmp_path, data)
    lines = path.read_text(encoding="utf-8").splitlines()
    with pytest.raises(InputError) as info:
        read_plan_file(path)
    # The first problem in file order: cuts come before outputs in a written plan.
    assert info.value.key == "cuts[1].src_end_frame"
    assert '"src_end_frame": "55"' in lines[info.value.line - 1]
    data["cuts"][1]["src_end_frame"] = plan.cuts[1].src_end_frame
    path = write(tmp_path, data)
    with pytest.raises(InputError) as info:
        read_plan_file(path)
    assert info.value.key == "outputs[0].bogus" and "unknown key" in str(info.value)
    assert '"bogus": 18' in path.read_text(encoding="utf-8").splitlines()[info.value.line - 1]


def test_not_a_number_is_refused(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(dump_plans([plan]).replace('"duration": ', '"duration": NaN, "x": ', 1), encoding="utf-8")
    with pytest.raises(InputError, match="NaN is not a finite number"):
        read_plan_file(path)


def test_missing_files_are_named(plan: Plan, tmp_path: Path) -> None:
    data = to_data(plan)
    data["overlays"][0]["image"] = str(tmp_path / "gone.png")
    with pytest.raises(InputError, match=r"overlays\[0\].image: file not found: .*gone.png"):
        read_plan_file(write(tmp_path, data))
    data = to_data(plan)
    data["sources"][0]["path"] = "/nowhere/clip.mp4"
    with pytest.raises(InputError, match=r"sources\[0\].path: file not found: /nowhere/clip.mp4"):
        read_plan_file(write(tmp_path, data))


def test_plan_without_frame_fields_still_loads(plan: Plan, tmp_path: Path) -> None:
    data = to_data(plan)
    for key in ("frame_rate", "safe_box", "platform_presets", "captions"):
        del data[key]
    for cut in data["cuts"]:
        for key in ("src_start_frame", "src_end_frame", "out_start_frame", "out_end_frame"):
            del cut[key]
    data["fps"] = 25.0
    (old,) = read_plan_file(write(tmp_path, data))
    assert old.frame_rate == "25" and old.cuts[0].src_start_frame == round(plan.cuts[0].src_start * 25)
    assert old.frame_count == sum(c.frames for c in old.cuts)


def test_published_schema_describes_the_plan(plan: Plan) -> None:
    import jsonschema

    published = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(published)
    jsonschema.validate(json.loads(dump_plans([plan])), published)
    jsonschema.validate(json.loads(dump_plans([plan, plan])), published)
    # Every key the published file names is a field (regenerate the file after adding fields:
    # python -m reelkit.plan.planfile > reelkit/data/plan.schema.json).
    generated = plan_schema()["$defs"]
    for name, body in published["$defs"].items():
        assert set(body.get("properties", {})) <= set(generated[name].get("properties", {})), name
    bad = json.loads(dump_plans([plan]))
    bad["pages"][0]["lines"][0][1]["text"] = 5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, published)


# --- hand edits: honoured or refused, never ignored ------------------------------------------

def _edited(plan: Plan, tmp_path: Path, edit) -> Path:
    data = to_data(plan)
    edit(data)
    return write(tmp_path, data)


def test_edited_seconds_win_over_stale_frames(plan: Plan, tmp_path: Path) -> None:
    rate = plan.rate
    a = plan.cuts[0]
    later = frames.frame_seconds(a.src_end_frame + 10, rate)
    (moved,) = read_plan_file(_edited(plan, tmp_path, lambda d: d["cuts"][0].update(src_end=later)))
    assert moved.cuts[0].src_end_frame == a.src_end_frame + 10 and moved.cuts[0].src_end == later
    assert moved.frame_count == plan.frame_count + 10 and moved.cuts[1].out_start_frame == a.out_end_frame + 10
    earlier = frames.frame_seconds(a.src_start_frame + 2, rate)
    (moved,) = read_plan_file(_edited(plan, tmp_path, lambda d: d["cuts"][0].update(src_start=earlier)))
    assert moved.cuts[0].src_start_frame == a.src_start_frame + 2 and moved.frame_count == plan.frame_count - 2
    # An edited frame field still wins over its stale seconds.
    (moved,) = read_plan_file(_edited(plan, tmp_path, lambda d: d["cuts"][1].update(src_end_frame=50)))
    assert moved.cuts[1].src_end_frame == 50 and moved.cuts[1].src_end == frames.frame_seconds(50, rate)


@pytest.mark.parametrize("edit, message", [
    # Both ends moved by the same amount: the length cannot tell seconds from frames.
    (lambda d: d["cuts"][0].update(src_start=d["cuts"][0]["src_start"] + 0.5, src_end=d["cuts"][0]["src_end"] + 0.5),
     "plan.json: cuts[0].src_start: src_start 0.6001 disagrees with src_start_frame 3 (0.1001 s)"),
    (lambda d: d["cuts"][0].update(out_end=2.0),
     "plan.json: cuts[0].out_end: out_end 2 disagrees with out_end_frame 27 (0.9009 s)"),
    (lambda d: d["cuts"][1].update(out_start_frame=30, out_start=1.001),
     "plan.json: cuts[1].out_start_frame: out_start_frame 30 does not follow the previous cut's out_end_frame 27"),
    (lambda d: d.update(duration=9.0),
     "plan.json: duration: duration 9 disagrees with the last cut's out_end_frame 42 (1.4014 s)"),
    (lambda d: d.update(fps=25.0), "plan.json: fps: fps 25 disagrees with frame_rate '30000/1001'"),
])
def test_edits_to_derived_fields_are_refused_naming_both(plan: Plan, tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(InputError) as info:
        read_plan_file(_edited(plan, tmp_path, edit))
    assert without_line(info.value, tmp_path).startswith(message)
