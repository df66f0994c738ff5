"""Pure builders of ffmpeg argument lists for a plan.

Nothing here runs a process: every function returns argv lists (never shell strings) that
tests can compare as text. Filtergraph values that come from users (paths) are escaped with
:func:`reelkit.io.ffmpeg.escape_filter_value`; numbers are formatted by
:func:`reelkit.plan.voice.fmt_number`. How the cuts are read and the voice joined lives in
:mod:`reelkit.plan.voice` (the speech decode needs the same samples).
"""

from __future__ import annotations

from collections.abc import Sequence

from reelkit.io.ffmpeg import escape_filter_value
from reelkit.plan.model import Cut, CropKey, OutputSpec, Overlay, Plan, cut_frames
from reelkit.plan.voice import (cut_inputs, fmt_number as _n, join_chain as _join, lead_seconds as _lead,
                                rate_arg as _rate, voice_graph)
from reelkit.render.audio_input import priming_trim
from reelkit.render.colour import BT709_TAGS, tone_map
from reelkit.render.engine import PictureTap
from reelkit.render.loudness import Loudness
from reelkit.render.sign import interpreter_chains, interpreter_inputs

BLUR_FILL_DARKEN = -0.18  # brightness shift of the blurred fill behind `fit` segments
# BT.709 limited range, as every platform expects for HD. Converted inside the scale each
# segment needs anyway: a separate full-frame conversion pass cost ~7 CPU-s per output minute.
TO_BT709 = "out_color_matrix=bt709:out_range=tv"


# --- inputs ---------------------------------------------------------------------------------

def music_input(plan: Plan) -> list[str]:
    if plan.music is None:
        return []
    return ["-stream_loop", "-1", "-vn", "-i", plan.music.path]


def overlay_inputs(overlays: Sequence[Overlay], fps: float | str) -> list[str]:
    """Static overlays are one still frame (the overlay filter repeats it); faded ones loop
    only for their own span, so full-frame cards are decoded just while they show."""
    args: list[str] = []
    for ov in overlays:
        if _animated(ov):
            args += ["-loop", "1", "-framerate", fps if isinstance(fps, str) else _n(fps), "-t", _n(ov.end - ov.start), "-i", ov.image]
        else:
            args += ["-i", ov.image]
    return args


def _animated(ov: Overlay) -> bool:
    """Overlays whose pixels change over time need a frame stream, not one still frame."""
    return ov.motion in ("static", "slide") and (ov.fade_in > 0 or ov.fade_out > 0)


# --- video ----------------------------------------------------------------------------------

def path_expr(keys: Sequence[CropKey], axis: str, offset: float) -> str:
    """A crop path as an ffmpeg expression of the cut's own time ``t``, linear between keys and
    held outside them; rounded to the nearest pixel like :func:`reelkit.reframe.camera_path.crop_px`.

    The moving spans form a balanced tree of ``if(lt(t,T),left,right)``: ffmpeg's expression
    parser refuses a chain nested about 100 deep (a flat sum of ramps failed on a 3-minute
    tracked cut), and ``if`` evaluates one branch only, so each frame costs log2(spans) tests."""
    values = [getattr(k, axis) for k in keys]
    spans = [(a.t - offset, b.t - a.t, va, vb) for a, b, va, vb in zip(keys, keys[1:], values, values[1:])
             if b.t > a.t]
    if not spans or all(va == vb for _, _, va, vb in spans):
        return _n(values[0]) if values else "0"
    return "'floor(" + _span_tree(spans) + "+0.5)'"


def _span_tree(spans: Sequence[tuple[float, float, int, int]]) -> str:
    """The value on ``spans`` (start, length, value at start, value at end), split by time."""
    if len(spans) == 1:
        start, length, va, vb = spans[0]
        if va == vb:
            return _n(va)
        return f"{_n(va)}+{_n((vb - va) / length)}*clip(t-{_n(start)},0,{_n(length)})".replace("+-", "-")
    mid = len(spans) // 2
    return f"if(lt(t,{_n(spans[mid][0])}),{_span_tree(spans[:mid])},{_span_tree(spans[mid:])})"


def _crop_filter(cut: Cut) -> str:
    c = cut.crop
    if not cut.crop_path:
        return f"crop={c.w}:{c.h}:{c.x}:{c.y}"
    # A tracked cut: the crop moves along its path inside this same pass (no frames leave ffmpeg).
    return (f"crop=w={c.w}:h={c.h}:x={path_expr(cut.crop_path, 'x', cut.out_start)}"
            f":y={path_expr(cut.crop_path, 'y', cut.out_start)}")


def _segment_video(plan: Plan, cut: Cut, index: int, lead: float = 0.0) -> str:
    ss, se, _, _ = cut_frames(cut, plan.rate)
    n_frames = se - ss
    w, h = plan.width, plan.height
    # The cut's first frame lies ``lead`` after the seek (floored to the microsecond; off by
    # the container's rounding, 0.5 ms in Matroska): half a source frame of slack keeps it and
    # still drops the frame before it.
    slack = 0.5 / plan.source(cut.source).fps if plan.source(cut.source).fps > 0 else 0.001
    trim = f"trim=start={_n(lead - slack)}," if lead > slack else ""
    head = (f"[{index}:v]{trim}setpts=PTS-STARTPTS,fps={_rate(plan)},"
            f"tpad=stop_mode=clone:stop_duration=1,trim=end_frame={n_frames},setpts=PTS-STARTPTS,"
            f"{_crop_filter(cut)}{tone_map(plan.source(cut.source).hdr)}")
    tail = f"setsar=1,format=yuv420p[v{index}]"
    if cut.reframe == "crop":
        return f"{head},scale={w}:{h}:flags=lanczos:{TO_BT709},{tail}"
    # fit: the whole picture scaled into the frame over a blurred, darkened fill of itself.
    # The fill is blurred at quarter size: the look is the same and it costs a sixteenth.
    return (f"{head},split=2[fg{index}][bg{index}];"
            f"[bg{index}]scale={w // 4}:{h // 4}:force_original_aspect_ratio=increase,"
            f"crop={w // 4}:{h // 4},boxblur=10:2,eq=brightness={_n(BLUR_FILL_DARKEN)},"
            f"scale={w}:{h}:{TO_BT709}[bgs{index}];"
            f"[fg{index}]scale={w}:{h}:force_original_aspect_ratio=decrease:flags=lanczos:{TO_BT709}[fgs{index}];"
            f"[bgs{index}][fgs{index}]overlay=(W-w)/2:(H-h)/2,{tail}")


def _overlay_chain(plan: Plan, first_input: int, label_in: str, overlays: Sequence[Overlay],
                   prefix: str = "") -> tuple[list[str], str]:
    """Chains laying ``overlays`` (inputs from ``first_input`` on) over ``label_in``; returns
    (chains, output label). ``prefix`` keeps the labels of two chains in one graph apart."""
    parts: list[str] = []
    current = label_in
    for k, ov in enumerate(overlays):
        idx = first_input + k
        src = f"[{idx}:v]"
        prep = "format=rgba"
        if _animated(ov):
            dur = ov.end - ov.start
            if ov.fade_in > 0:
                prep += f",fade=t=in:st=0:d={_n(ov.fade_in)}:alpha=1"
            if ov.fade_out > 0:
                prep += f",fade=t=out:st={_n(max(0.0, dur - ov.fade_out))}:d={_n(ov.fade_out)}:alpha=1"
            prep += f",setpts=PTS-STARTPTS+{_n(ov.start)}/TB"
        layer = f"{prefix}ov{k}"
        parts.append(f"{src}{prep}[{layer}]")
        x = str(ov.x)
        if ov.motion == "progress":
            span = max(plan.duration, 1e-3)
            x = f"'-w+w*min(t/{_n(span)},1)'"
        else:
            x = _slide_x(ov)
        enable = f"between(t,{_n(ov.start)},{_n(ov.end)})"
        eof = "pass" if _animated(ov) else "repeat"
        out = f"{prefix}vo{k}"
        parts.append(f"[{current}][{layer}]overlay=x={x}:y={ov.y}:eof_action={eof}:enable='{enable}'[{out}]")
        current = out
    return parts, current


def slide_offsets(ov: Overlay) -> tuple[str, ...]:
    """Terms (in output time ``t``, 0..1 each) of how far a sliding overlay is out of place:
    in from the left edge over ``fade_in`` easing out, out to it over ``fade_out`` easing in."""
    terms = []
    if ov.motion == "slide" and ov.fade_in > 0:
        terms.append(f"pow(max(0,1-(t-{_n(ov.start)})/{_n(ov.fade_in)}),2)")
    if ov.motion_out == "slide" and ov.fade_out > 0:
        terms.append(f"pow(max(0,(t-{_n(ov.end - ov.fade_out)})/{_n(ov.fade_out)}),2)")
    return tuple(terms)


def _slide_x(ov: Overlay) -> str:
    """The overlay's x: fixed, or moving by (x + w) times its slide offsets."""
    terms = slide_offsets(ov)
    if not terms:
        return str(ov.x)
    return f"'{ov.x}-({ov.x}+w)*({'+'.join(terms)})'"


def video_graph(plan: Plan, overlay_first_input: int, ass_filter: str | None,
                caption_overlays: Sequence[Overlay] = ()) -> tuple[list[str], str]:
    """Filter chains producing the finished picture; returns (chains, output label)."""
    chains = [_segment_video(plan, cut, i, _lead(plan, cut)) for i, cut in enumerate(plan.cuts)]
    chains.append(_join("v", len(plan.cuts), "vcat"))
    overlays = list(plan.overlays)
    ov_chains, label = _overlay_chain(plan, overlay_first_input, "vcat", overlays)
    chains += ov_chains
    if ass_filter:
        chains.append(f"[{label}]{ass_filter}[vsub]")
        label = "vsub"
    if caption_overlays:
        cap_chains, label = _overlay_chain(plan, overlay_first_input + len(overlays), label, caption_overlays,
                                           prefix="c")
        chains += cap_chains
    # Every frame tagged BT.709 (matrix, primaries, transfer, limited range): encoders take the
    # frames' tags over -color_* options, and an SDR source may carry others.
    chains.append(f"[{label}]format=yuv420p,{BT709_TAGS}[vout]")
    return chains, "vout"


# --- audio ----------------------------------------------------------------------------------

def _voice(plan: Plan, clean_index: int | None) -> tuple[list[str], str]:
    """The joined voice; with ``clean_index`` that input instead (:func:`clean_voice_input`):
    the cleaned copy of exactly this joined voice, made by the clean-up pre-pass."""
    if clean_index is not None:
        return [f"[{clean_index}:a]aformat=sample_fmts=fltp:channel_layouts=stereo,asetpts=PTS-STARTPTS,"
                f"apad,atrim=duration={_n(plan.duration)}[voice]"], "voice"
    return voice_graph(plan)


def clean_voice_input(path: str | None) -> list[str]:
    """The input of the cleaned voice (48 kHz mono raw float32, the clean-up's output)."""
    return [] if path is None else ["-f", "f32le", "-ar", "48000", "-ac", "1", "-i", path]


def mix_graph(plan: Plan, music_index: int | None, clean_index: int | None = None) -> tuple[list[str], str]:
    """Voice (or its cleaned copy) plus the ducked music bed (when the plan has one)."""
    chains, voice = _voice(plan, clean_index)
    if plan.music is None or music_index is None:
        return chains, voice
    m = plan.music
    dur = _n(plan.duration)
    fade_out_start = _n(max(0.0, plan.duration - m.fade_out))
    chains.append(f"[{voice}]asplit=2[vmix][vkey]")
    chains.append(f"[{music_index}:a]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,"
                  f"atrim=duration={dur},asetpts=PTS-STARTPTS,volume={_n(m.level_db)}dB,"
                  f"afade=t=in:st=0:d={_n(m.fade_in)},afade=t=out:st={fade_out_start}:d={_n(m.fade_out)}[bed]")
    # Sidechain compression keyed on the voice: the bed drops by about duck_db under speech.
    ratio = max(2.0, min(20.0, 1.0 + abs(m.duck_db) / 2.0))
    chains.append(f"[bed][vkey]sidechaincompress=threshold=0.02:ratio={_n(ratio)}:attack=20:release=400[ducked]")
    chains.append("[vmix][ducked]amix=inputs=2:duration=first:normalize=0[mix]")
    return chains, "mix"


def loudness_filter(spec: OutputSpec, measured: Loudness | None) -> str:
    """Second loudness pass for one platform: a constant gain to the target, plus a limiter
    only when that gain would push peaks over the platform's true-peak ceiling.

    This is what loudnorm's linear mode does too, without its 3 s look-ahead at 192 kHz that
    held video frames in memory (peak 1 GB for four platforms) and cost encode time. The gain
    is the same for every platform's frame size: the measurement does not depend on it.
    Digital silence (nothing measured) passes unchanged.
    """
    flt = ""
    if measured is not None:
        gain = spec.loudness_lufs - measured.integrated_lufs
        flt = f"volume={_n(round(gain, 2))}dB,"
        # 1 dB below the ceiling: sample peaks are limited, inter-sample (true) peaks and the
        # AAC encode can add a few tenths of a dB.
        ceiling_db = spec.true_peak_db - 1.0
        if measured.true_peak_db + gain > ceiling_db:
            flt += f"alimiter=limit={_n(round(10 ** (ceiling_db / 20), 4))}:attack=5:release=50:level=0,"
    return flt + f"aresample={spec.audio_rate}" + priming_trim(spec)


# --- whole commands -------------------------------------------------------------------------

def loudness_pass_args(plan: Plan, clean_voice: str | None = None) -> list[str]:
    """First loudness pass: measure the mixed programme audio (ebur128 prints a Summary)."""
    args = cut_inputs(plan, audio_only=True)
    music_index = len(plan.cuts) if plan.music else None
    args += music_input(plan)
    clean_index = len(plan.cuts) + (1 if plan.music else 0) if clean_voice else None
    args += clean_voice_input(clean_voice)
    chains, label = mix_graph(plan, music_index, clean_index)
    chains.append(f"[{label}]ebur128=peak=true:framelog=quiet[meas]")
    return ["-nostats"] + args + ["-filter_complex", ";".join(chains), "-map", "[meas]", "-f", "null", "-"]


def render_args(plan: Plan, outputs: Sequence[OutputSpec], master_path: str, *, ass_filter: str | None,
                measured: Loudness | None, caption_overlays: Sequence[Overlay] = (),
                x264_preset: str = "veryfast", threads: int = 0, clean_voice: str | None = None,
                tap: PictureTap | None = None) -> list[str]:
    """The single render pass: one video encode shared by ``outputs`` plus one audio track each.

    All ``outputs`` must share a video key (same picture and video settings); the result is a
    master file with the video and ``len(outputs)`` audio tracks, remuxed per platform later.
    ``clean_voice``: the cleaned voice file (:func:`clean_voice_input`) to play instead of the
    clips' own sound. ``tap``: frames of the finished picture also written (:func:`tap_outputs`).
    """
    first = outputs[0]
    assert all(o.video_key() == first.video_key() for o in outputs)
    args = cut_inputs(plan)
    music_index = len(plan.cuts) if plan.music else None
    args += music_input(plan)
    overlay_first = len(plan.cuts) + (1 if plan.music else 0)
    args += overlay_inputs(list(plan.overlays) + list(caption_overlays), _rate(plan))
    # The cleaned voice comes last, so every other input keeps its number.
    clean_index = overlay_first + len(plan.overlays) + len(caption_overlays) if clean_voice else None
    args += clean_voice_input(clean_voice)
    vchains, vlabel = video_graph(plan, overlay_first, ass_filter, caption_overlays)
    if plan.sign_language is not None:  # the .sl variant: the interpreter drawn last
        sign_input = overlay_first + len(plan.overlays) + len(caption_overlays) + (1 if clean_voice else 0)
        args += interpreter_inputs(plan)
        sign_chains, vlabel = interpreter_chains(plan, sign_input, vlabel, _rate(plan))
        vchains += sign_chains
    achains, alabel = mix_graph(plan, music_index, clean_index)
    chains = vchains + achains
    if tap is not None:
        chains += tap_chains(vlabel, tap)
        vlabel = "venc"
    if len(outputs) == 1:
        chains.append(f"[{alabel}]{loudness_filter(first, measured)}[aout0]")
    else:
        chains.append(f"[{alabel}]asplit={len(outputs)}" + "".join(f"[pre{i}]" for i in range(len(outputs))))
        chains += [f"[pre{i}]{loudness_filter(o, measured)}[aout{i}]" for i, o in enumerate(outputs)]
    args += ["-filter_complex", ";".join(chains), "-map", f"[{vlabel}]"]
    for i in range(len(outputs)):
        args += ["-map", f"[aout{i}]"]
    args += _video_encode_args(plan, first, x264_preset, threads) + _audio_encode_args(outputs)
    # Exactly the plan's frames: -t alone is rounded to the microsecond.
    args += ["-frames:v", str(plan.frame_count), "-t", _n(plan.duration), "-f", "mp4", master_path]
    return args + (tap_outputs(tap, plan.frame_count) if tap is not None else [])


def gop_frames(plan: Plan, spec: OutputSpec) -> int:
    """Frames from one keyframe to the next in ``spec``'s encode (closed, fixed GOPs)."""
    return max(1, int(round(spec.gop_seconds * plan.fps)))


def _video_encode_args(plan: Plan, first: OutputSpec, x264_preset: str, threads: int) -> list[str]:
    """The one video encode's settings (shared by every output of a size group)."""
    gop = gop_frames(plan, first)
    args = ["-c:v", first.video_codec, "-preset", x264_preset, "-profile:v", first.profile,
            "-level:v", first.level, "-pix_fmt", first.pix_fmt,
            # Constant quality, capped: a talking head needs far fewer bits than the cap, and an
            # 8 Mbit/s average cost 19 % more CPU than CRF 23 for no visible gain (bench_costs.py).
            "-crf", _n(first.crf), "-maxrate", first.video_bitrate, "-bufsize", first.bufsize,
            "-g", str(gop), "-keyint_min", str(gop), "-sc_threshold", "0", "-bf", str(first.bframes),
            "-flags", "+cgop", "-r", _rate(plan),
            "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv"]
    if first.video_codec == "libx264":
        # 8x8 transforms make the stream High profile even at the fastest presets.
        args += ["-x264-params", "8x8dct=1:open-gop=0"]
    if threads:
        args += ["-threads", str(threads)]
    return args


def _audio_encode_args(outputs: Sequence[OutputSpec]) -> list[str]:
    """One audio track's encoder settings per output, in the order of the maps."""
    args: list[str] = []
    for i, out in enumerate(outputs):
        args += [f"-c:a:{i}", out.audio_codec, f"-b:a:{i}", out.audio_bitrate,
                 f"-ar:a:{i}", str(out.audio_rate), f"-ac:a:{i}", str(out.audio_channels)]
        if out.audio_codec == "aac":
            # ffmpeg's default AAC search (twoloop) cost 2.5 CPU-s a minute per platform, a
            # twelfth of the whole video encode; the fast search is 2-3x cheaper at 128-384k and
            # measured no worse (SI-SDR 43-55 dB against 27-42 dB; scripts/bench_costs.py notes).
            args += [f"-aac_coder:a:{i}", "fast"]
    return args


def tap_chains(label: str, tap: PictureTap) -> list[str]:
    """Split the finished picture ``label`` into ``[venc]`` (to encode) and every frame small
    ``[tapsmall]``."""
    w, h = tap.small
    return [f"[{label}]split=2[venc][tapall]", f"[tapall]scale={w}:{h}:flags=area,format=rgb24[tapsmall]"]


def tap_outputs(tap: PictureTap, frame_count: int) -> list[str]:
    """The tap's raw RGB24 output (after the master's), ``frame_count`` frames at most."""
    return ["-map", "[tapsmall]", "-an", "-sn", "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-frames:v", str(frame_count), str(tap.small_path)]


def remux_args(master_path: str, audio_track: int, out_path: str) -> list[str]:
    """Copy the shared video and one platform's audio into an MP4 with faststart and no edit lists."""
    return ["-i", master_path, "-map", "0:v:0", "-map", f"0:a:{audio_track}", "-c", "copy",
            "-movflags", "+faststart+negative_cts_offsets", "-use_editlist", "0", "-map_metadata", "-1",
            "-f", "mp4", out_path]


# --- the clean picture ----------------------------------------------------------------------

def clean_frames_args(plan: Plan, picks: Sequence[tuple[Cut, float]], *, gray_size: tuple[int, int] | None = None,
                      rgb: bool = False, out: str) -> list[str]:
    """One ffmpeg call decoding one frame of each cut's reframed picture (crop/scale or fit,
    exactly as rendered, but no overlays or captions) at the source times given.

    The frames go to file ``out`` as raw video, in ``picks`` order: grey at ``gray_size``
    (w, h) for ranking, or full-size RGB24 with ``rgb``.
    """
    if (gray_size is None) == (not rgb):
        raise ValueError("clean_frames_args: give gray_size or rgb=True")
    args: list[str] = []
    chains: list[str] = []
    for i, (cut, src_time) in enumerate(picks):
        src = plan.source(cut.source)
        # One decoder thread an input: a frame or two from each of a dozen inputs, where frame
        # threads only decode frames ahead that are thrown away (a fifth of the call's CPU).
        args += ["-threads", "1", "-ss", _n(src_time + src.video_start), "-t", _n(2.0 / plan.fps + 0.1),
                 "-i", src.path]
        tail = f"scale={gray_size[0]}:{gray_size[1]}:flags=area,format=gray" if gray_size else "format=rgb24"
        chains.append(f"{_segment_video(plan, cut, i)};[v{i}]trim=end_frame=1,setpts=PTS-STARTPTS,{tail}[f{i}]")
    n = len(picks)
    chains.append("".join(f"[f{i}]" for i in range(n)) + f"concat=n={n}:v=1:a=0[frames]")
    args += ["-filter_complex", ";".join(chains), "-map", "[frames]", "-an", "-sn", "-fps_mode", "passthrough"]
    return args + ["-f", "rawvideo", "-pix_fmt", "gray" if gray_size else "rgb24", out]


# --- proxy media ------------------------------------------------------------------------------

def proxy_media_args(source: str, out: str, width: int, height: int, gop: int) -> list[str]:
    """A small copy of a source for previews (what NLEs call proxy media): the displayed
    picture scaled to ``width`` x ``height``, x264 ultrafast with a keyframe every ``gop``
    frames and no B-frames (cheap to decode and seek), the first audio stream as AAC."""
    return ["-i", source, "-map", "0:v:0", "-map", "0:a:0?", "-vf", f"scale={width}:{height}:flags=bilinear",
            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-g", str(max(1, gop)), "-bf", "0",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "160k", "-f", "mp4", out]
