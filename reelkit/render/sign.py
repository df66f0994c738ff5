"""The sign-language interpreter drawn picture-in-picture (the ``.sl`` variant plans).

Pure argv/filtergraph pieces that :func:`reelkit.render.graph.render_args` adds when a plan
has ``sign_language``: one more input (the interpreter clip from its offset, input-seeked,
video only) and a chain scaling it into its box (own shape, decided in the plan), keying out
a plain backdrop when the plan names one, and overlaying it on the finished picture. The
layout in the plan keeps it clear of the captions and overlays, so drawing it last never
covers them.
"""

from __future__ import annotations

from reelkit.plan.model import Plan


def interpreter_inputs(plan: Plan) -> list[str]:
    """The interpreter clip as one input: from its offset, as long as the edit (plus a frame)."""
    sl = plan.sign_language
    if sl is None:
        return []
    return ["-ss", f"{sl.offset:.6f}", "-t", f"{plan.duration + 2.0 / plan.fps:.6f}", "-an", "-sn", "-i", sl.clip]


def interpreter_chains(plan: Plan, input_index: int, label_in: str, rate: str) -> tuple[list[str], str]:
    """Chains drawing the interpreter (input ``input_index``) over ``[label_in]``."""
    sl = plan.sign_language
    if sl is None:
        return [], label_in
    key = ""
    if sl.key:
        # A plain backdrop keyed out: colours within 30 % of it become transparent, edges soft.
        key = f",colorkey=color=0x{sl.key.lstrip('#')}:similarity=0.3:blend=0.1"
    chains = [f"[{input_index}:v]fps={rate},setpts=PTS-STARTPTS,scale={sl.w}:{sl.h}:flags=bicubic,"
              f"setsar=1,format=rgba{key}[signer]",
              f"[{label_in}][signer]overlay=x={sl.x}:y={sl.y}:eof_action=repeat:format=auto,format=yuv420p[vsign]"]
    return chains, "vsign"


__all__ = ["interpreter_chains", "interpreter_inputs"]
