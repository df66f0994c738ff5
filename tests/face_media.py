"""Test clips with a real face: the public-domain astronaut portrait (tests/data) composited
over generated backgrounds, held still, moving across the frame, or cut between two shots."""

from __future__ import annotations

from pathlib import Path

from reelkit.io.ffmpeg import run_ffmpeg

HEAD = Path(__file__).resolve().parent / "data" / "astronaut_head.jpg"
HEAD_W, HEAD_H = 216, 288  # the asset's size
FACE_CX, FACE_CY = 0.48, 0.39  # where the face's centre is in the asset (fractions)


def face_clip(out: Path, *, size: tuple[int, int] = (640, 360), fps: int = 25, duration: float = 3.0,
              head_w: int = 110, centre: tuple[float, float] = (0.75, 0.35),
              move_to: float | None = None, cut_at: float | None = None, cut_to: float | None = None,
              audio: bool = False) -> Path:
    """A clip of the astronaut's head over a slow gradient.

    ``centre`` is where the face's centre is, as fractions of the frame; ``move_to`` makes it
    travel linearly to that x fraction over the clip; ``cut_at``/``cut_to`` make a hard cut
    at that second to a differently coloured shot with the face at x fraction ``cut_to``.
    """
    w, h = size
    head_h = round(head_w * HEAD_H / HEAD_W) // 2 * 2

    def left(fx: float) -> float:
        return fx * w - FACE_CX * head_w

    top = centre[1] * h - FACE_CY * head_h
    x0 = left(centre[0])
    if move_to is not None:
        x = f"{x0:.1f}+({left(move_to) - x0:.1f})*t/{duration}"
    elif cut_at is not None and cut_to is not None:
        x = f"if(lt(t,{cut_at}),{x0:.1f},{left(cut_to):.1f})"
    else:
        x = f"{x0:.1f}"
    bg = f"gradients=s={w}x{h}:r={fps}:c0=0x3a4a5a:c1=0x8899aa:speed=0.01:duration={duration}"
    if cut_at is not None:
        # The second shot: a much lighter background, so the scene score sees a hard cut.
        bg = (f"gradients=s={w}x{h}:r={fps}:c0=0x202830:c1=0x505a64:speed=0.01:duration={cut_at}[s1];"
              f"gradients=s={w}x{h}:r={fps}:c0=0xd0c8b0:c1=0xf0e8d0:speed=0.01:duration={duration - cut_at}[s2];"
              f"[s1][s2]concat=n=2:v=1:a=0")
    graph = (f"{bg}[bg];movie={_filter_path(HEAD)},scale={head_w}:{head_h},loop=-1:1,setpts=N/{fps}/TB[head];"
             f"[bg][head]overlay=x='{x}':y={top:.1f}:shortest=1,format=yuv420p[v]")
    args = ["-f", "lavfi", "-i", f"anullsrc=r=48000:cl=stereo:d={duration}"] if audio else []
    args += ["-filter_complex", graph, "-map", "[v]"]
    if audio:
        args += ["-map", "0:a", "-c:a", "aac"]
    args += ["-t", str(duration), "-r", str(fps), "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", str(out)]
    run_ffmpeg(args, stage="make face clip")
    return out


def _filter_path(path: Path) -> str:
    from reelkit.io.ffmpeg import escape_filter_value

    return escape_filter_value(str(path))
