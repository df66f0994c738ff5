"""A/V sync test media: a white flash frame and a sample-exact beep at every whole second,
and the measurement of their offset on any file, as a player would play it.

The beep is made by ``aevalsrc`` (sample-exact onsets; ``volume=enable`` gates per 1024-sample
frame). Audio is decoded with PyAV, which honours what a player honours: edit lists (priming
skips, delayed starts), Opus pre-skip, and, in a file without edit lists, nothing (priming
samples are played). Each sample is placed at its decoded frame's presentation time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reelkit.io.ffmpeg import run_ffmpeg

BEEP_HZ = 1000
BEEP_SECONDS = 0.08


@dataclass(frozen=True)
class SyncSource:
    """How one test source is made: audio codec and rate, container, edit list, offsets."""

    name: str
    codec: str  # aac | opus | mp3 | pcm
    rate: int
    container: str = "mp4"  # mp4 | mov | mkv
    editlist: bool = True
    audio_delay: float = 0.0  # audio starts this much after the video (a start offset)
    start_offset: float = 0.0  # both streams' timestamps start here (-output_ts_offset)
    channels: int = 1

    def filename(self) -> str:
        return f"{self.name}.{self.container}"


_CODEC_ARGS = {
    "aac": ["-c:a", "aac", "-b:a", "96k"],
    "opus": ["-c:a", "libopus", "-b:a", "64k"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "32k"],
    "pcm": ["-c:a", "pcm_s16le"],
}


def make_sync_source(spec: SyncSource, folder: Path, *, duration: float = 3.0, fps: int = 30,
                     size: str = "96x64") -> Path:
    """Write the flash-and-beep clip ``spec`` describes into ``folder``."""
    out = folder / spec.filename()
    flash = f"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='eq(mod(n\\,{fps})\\,0)'"
    video = f"color=c=0x202020:s={size}:r={fps}:d={duration},{flash}"
    beep = (f"0.5*sin(2*PI*{BEEP_HZ}*t)*lt(mod(t\\,1)\\,{BEEP_SECONDS})")
    audio = f"aevalsrc='{beep}':s={spec.rate}:d={duration - spec.audio_delay}:c={'mono' if spec.channels == 1 else 'stereo'}"
    args = ["-f", "lavfi", "-i", video]
    if spec.audio_delay:
        # The audio input's timestamps start later: the muxer writes an empty edit (or, in a
        # file without edit lists, a later first timestamp), and the beeps stay on the seconds
        # of the video's clock because the generator counts from its own start.
        args += ["-itsoffset", str(spec.audio_delay)]
        audio = audio.replace(f"mod(t\\,1)", f"mod(t+{spec.audio_delay}\\,1)")
    args += ["-f", "lavfi", "-i", audio, "-map", "0:v", "-map", "1:a",
             "-c:v", "libx264", "-preset", "ultrafast", "-g", str(fps // 2), "-pix_fmt", "yuv420p"]
    args += _CODEC_ARGS[spec.codec]
    if spec.container in ("mp4", "mov") and not spec.editlist:
        args += ["-use_editlist", "0"]
    if spec.start_offset:
        args += ["-output_ts_offset", str(spec.start_offset)]
    run_ffmpeg(args + [str(out)], stage=f"make sync source {spec.name}")
    return out


def flash_times(path: Path) -> np.ndarray:
    """Presentation times of the frames that turn white (the flash frames)."""
    import av

    times, prev = [], False
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in c.decode(stream):
            plane = frame.planes[0]
            luma = np.frombuffer(bytes(plane), dtype=np.uint8)
            bright = float(luma.mean()) > 128
            if bright and not prev:
                times.append(float(frame.time))
            prev = bright
    return np.asarray(times)


def decoded_audio(path: Path) -> tuple[np.ndarray, int, float]:
    """(mono samples, rate, time of the first sample) as a player plays the first audio stream:
    each decoded frame at its presentation time (gaps silent, overlaps overwritten)."""
    import av

    frames, rate = [], 0
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        for frame in c.decode(stream):
            data = frame.to_ndarray().astype(np.float64)
            if frame.format.is_planar:
                data = data.mean(axis=0)
            else:
                data = data.reshape(-1, frame.layout.nb_channels).mean(axis=1)
            rate = frame.sample_rate
            frames.append((float(frame.time), data.ravel()))
    t0 = frames[0][0]
    end = max(round((t - t0) * rate) + d.size for t, d in frames)
    out = np.zeros(end)
    for t, d in frames:
        at = round((t - t0) * rate)
        out[at:at + d.size] = d
    return out, rate, t0


def beep_onsets(path: Path) -> np.ndarray:
    """Beep onset times: where the tone's envelope first reaches half its level."""
    samples, rate, t0 = decoded_audio(path)
    n = samples.size
    spectrum = np.fft.rfft(samples, 2 * n)
    # Analytic signal (Hilbert transform) of the band around the beep: its magnitude is the envelope.
    freqs = np.fft.rfftfreq(2 * n, 1 / rate)
    spectrum[(freqs < BEEP_HZ * 0.5) | (freqs > BEEP_HZ * 1.5)] = 0
    analytic = np.fft.ifft(np.concatenate([spectrum, np.zeros(n - 1)]) * 2, 2 * n)[:n]
    env = np.abs(analytic)
    level = np.percentile(env[env > 0.05 * env.max()], 75) if env.max() > 0 else 0.0
    above = env > level / 2
    starts = np.flatnonzero(above[1:] & ~above[:-1]) + 1
    onsets, last = [], -1.0
    for i in starts:
        t = t0 + (i - 1 + (level / 2 - env[i - 1]) / (env[i] - env[i - 1])) / rate
        if t - last > 0.5:  # one onset per beep
            onsets.append(t)
            last = t
    return np.asarray(onsets)


def pair_offsets(flashes: np.ndarray, onsets: np.ndarray, *, window: tuple[float, float] = (-1e9, 1e9),
                 tolerance: float = 0.3) -> list[float]:
    """Beep onset minus flash time (seconds) for every flash inside ``window`` with a beep near it."""
    out = []
    for f in flashes:
        if not window[0] <= f < window[1] or onsets.size == 0:
            continue
        nearest = onsets[np.argmin(np.abs(onsets - f))]
        if abs(nearest - f) < tolerance:
            out.append(float(nearest - f))
    return out
