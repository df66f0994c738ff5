"""Shared media and constants of the accessibility tests."""

from __future__ import annotations

from pathlib import Path

from reelkit.io.ffmpeg import run_ffmpeg

SENTENCES = ["Next month our crews replace the old water mains.", "The work takes six weeks.",
             "Your tap water stays safe to drink."]
CUES = ["A map shows the closed streets.", "A digger opens the road."]
GAP = 3.4
SIGNER = (360, 480)  # the interpreter's own frame (3:4 portrait)
BACKDROP = "#00B140"


def interpreter_clip(out: Path, seconds: float) -> Path:
    """An interpreter stand-in: a magenta figure on a plain green backdrop."""
    w, h = SIGNER
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=0x{BACKDROP[1:]}:s={w}x{h}:r=25:d={seconds:.3f},"
                f"drawbox=x={w // 3}:y={h // 6}:w={w // 3}:h={2 * h // 3}:color=0xFF00FF:t=fill",
                "-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p", str(out)],
               stage="make interpreter clip")
    return out
