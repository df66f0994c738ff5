"""Translated captions (issue 9): sidecars per language, timed by the source lines, burn: nl."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pysrt
import pytest
import webvtt
from click.testing import CliRunner
from PIL import Image

from conftest import SPEECH_SENTENCES, frame_at
from reelkit.captions import ass_filter, check_page_rules, write_ass
from reelkit.captions.translations import line_spans, spread_words, translated_pages, translation_windows
from reelkit.cli.main import main
from reelkit.io.ffmpeg import run_ffmpeg
from reelkit.plan.model import CaptionRules, Word
from reelkit.plan.planfile import read_plan_file

DUTCH = ["Ploegen vervangen de waterleidingen in de Havenstraat.", "Het werk duurt zes weken."]
RULES = CaptionRules()


def write_outline(folder: Path, clip: Path, dutch: list[str], burn: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "narration.nl.txt").write_text("\n".join(dutch) + "\n", encoding="utf-8")
    data = {"title": "Vertaald", "platforms": ["tiktok"], "script": "\n".join(SPEECH_SENTENCES) + "\n",
            "translations": {"nl": "narration.nl.txt"}, "segments": [{"clip": str(clip), "reframe": "crop"}]}
    if burn:
        data["burn"] = burn
    path = folder / "outline.yaml"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_translated_line_spread_inside_its_source_span() -> None:
    script = "Water is off.\nCrews are on site now."
    words = [Word(t, 0.5 + 0.4 * i, 0.8 + 0.4 * i) for i, t in enumerate(script.split())]
    assert [x for span in line_spans(script, words) for x in span] == pytest.approx([0.5, 1.6, 1.7, 3.6])
    pages = translated_pages(script, "Het water is afgesloten.\nDe ploegen zijn nu ter plaatse.", words, RULES, 30.0)
    assert " ".join(p.text.replace("\n", " ") for p in pages) == \
        "Het water is afgesloten. De ploegen zijn nu ter plaatse."
    windows = translation_windows(script, words, RULES, 30.0)
    assert check_page_rules(pages, RULES, 30.0, windows) == []
    spread = spread_words("een twee drie", 1.0, 2.4)
    assert spread[0].start == 1.0 and spread[-1].end <= 2.4 and spread[1].end - spread[1].start > 0.3


def test_line_count_mismatch_names_both_files(tmp_path: Path, speech_clip: Path) -> None:
    outline = write_outline(tmp_path, speech_clip, DUTCH[:1])
    result = CliRunner().invoke(main, ["render", str(outline), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 1
    assert "narration.nl.txt has 1 lines but the script in outline.yaml has 2" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out" / "vertaald").exists()


def _reference(tmp_path: Path, page, style, name: str, t: float) -> np.ndarray:
    ass = tmp_path / f"{name}.ass"
    png = tmp_path / f"{name}.png"
    write_ass([page], style, 1080, 1920, ass)
    run_ffmpeg(["-f", "lavfi", "-i", f"color=c=gray:s=1080x1920:r=25:d={t + 0.2:.2f}",
                "-vf", ass_filter(ass, Path(style.font_file).parent), "-ss", f"{t:.2f}",
                "-frames:v", "1", str(png)], stage="test")
    return np.asarray(Image.open(png).convert("RGB")).astype(int)


@pytest.mark.slow
def test_render_writes_translated_sidecars_and_burns_dutch(tmp_path: Path, speech_clip: Path) -> None:
    outline = write_outline(tmp_path, speech_clip, DUTCH, burn="nl")
    result = CliRunner().invoke(main, ["render", str(outline), "--out", str(tmp_path / "out"), "--quiet",
                                       "--preset", "ultrafast"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "vertaald"
    plan = read_plan_file(folder / "plan.json")[0]
    assert plan.burn_language == "nl" and [t.language for t in plan.translations] == ["nl"]
    assert plan.burned_pages() == plan.translations[0].pages
    assert " ".join(w.text for w in plan.words) == " ".join(SPEECH_SENTENCES)  # sidecar stays English
    script = "\n".join(SPEECH_SENTENCES)
    spans = line_spans(script, plan.words)
    srt = pysrt.open(str(folder / "vertaald.nl.srt"), encoding="utf-8")
    vtt = webvtt.read(str(folder / "vertaald.nl.vtt"))
    assert " ".join(c.text.replace("\n", " ") for c in srt) == " ".join(DUTCH)
    assert " ".join(c.text.replace("\n", " ") for c in vtt) == " ".join(DUTCH)
    line = 0
    for cue in srt:
        start, end = cue.start.ordinal / 1000, cue.end.ordinal / 1000
        while not (spans[line][0] - 0.002 <= start):
            line += 1
        if start >= spans[min(line + 1, len(spans) - 1)][0] - 0.002:
            line = min(line + 1, len(spans) - 1)
        assert spans[line][0] - 0.002 <= start < end <= spans[line][1] + 0.002, (cue.text, spans)
    from reelkit.captions import read_captions

    nl_rules = plan.translations[0].rules  # the Dutch reading limits it was paged by
    assert nl_rules is not None and nl_rules.language == "nl"
    windows = translation_windows(script, plan.words, nl_rules, plan.fps)
    assert check_page_rules(read_captions(folder / "vertaald.nl.srt"), nl_rules, plan.fps, windows) == []
    assert pysrt.open(str(folder / "vertaald.srt"), encoding="utf-8")[0].text.startswith("Crews")
    # Pixels: the burned text is the Dutch page, not the English one, at the same moment.
    page = plan.translations[0].pages[0]
    t = (page.start + page.end) / 2
    english = next(p for p in plan.pages if p.start <= t < p.end)
    video = frame_at(folder / "tiktok.mp4", t)

    def white(frame: np.ndarray) -> np.ndarray:
        return np.all(frame > 225, axis=2)

    got = white(video)
    nl, en = white(_reference(tmp_path, page, plan.caption_style, "nl", t)), white(_reference(tmp_path, english, plan.caption_style, "en", t))

    def iou(a: np.ndarray, b: np.ndarray) -> float:
        return float((a & b).sum()) / max(1, int((a | b).sum()))

    assert got.sum() > 500
    assert iou(got, nl) > 0.5 and iou(got, nl) > 2 * iou(got, en), (iou(got, nl), iou(got, en))


GERMAN = ["Die Stadt sperrt die Brücke am Montag.", "Die Arbeiten dauern drei Wochen."]
FRENCH = ["La ville ferme le pont lundi.", "Les travaux durent trois semaines."]


@pytest.mark.slow
def test_german_outline_with_french_translation(tmp_path: Path) -> None:
    """Issue 18: any language to any other: German speech, French sidecars in its lines' spans."""
    from espeak_events import have_libespeak, speak_connected_sentences
    from media import talking_clip
    from speech import SR, write_wav

    if not have_libespeak():
        pytest.skip("libespeak-ng is not available")
    samples, _ = speak_connected_sentences(GERMAN, voice="de", gap=0.5)
    wav = write_wav(tmp_path / "de.wav", samples, SR)
    clip = talking_clip(tmp_path / "de.mp4", wav, size="320x180", fps=25, duration=samples.size / SR, crf=34)
    (tmp_path / "narration.fr.txt").write_text("\n".join(FRENCH) + "\n", encoding="utf-8")
    data = {"title": "Brücke", "platforms": ["tiktok"], "language": "de", "script": "\n".join(GERMAN) + "\n",
            "translations": {"fr": "narration.fr.txt"}, "segments": [{"clip": str(clip), "reframe": "crop"}]}
    outline = tmp_path / "outline.yaml"
    outline.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(outline), "--out", str(tmp_path / "out"), "--quiet",
                                       "--preset", "ultrafast"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / "out" / "brucke"
    if not folder.is_dir():
        folder = next(p for p in (tmp_path / "out").iterdir() if p.is_dir())
    plan = read_plan_file(folder / "plan.json")[0]
    assert plan.language == "de" and plan.caption_rules.language == "de"
    assert " ".join(w.text for w in plan.words) == " ".join(GERMAN)
    spans = line_spans("\n".join(GERMAN), plan.words)
    srt = pysrt.open(str(next(folder.glob("*.fr.srt"))), encoding="utf-8")
    vtt = webvtt.read(str(next(folder.glob("*.fr.vtt"))))
    assert " ".join(c.text.replace("\n", " ") for c in srt) == " ".join(FRENCH)
    assert " ".join(c.text.replace("\n", " ") for c in vtt) == " ".join(FRENCH)
    for cue in srt:
        start, end = cue.start.ordinal / 1000, cue.end.ordinal / 1000
        assert any(a - 0.002 <= start < end <= b + 0.002 for a, b in spans), (cue.text, spans)
    assert any(c.start.ordinal / 1000 >= spans[1][0] - 0.002 for c in srt)  # the second line's cues


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["faster-whisper", "openai-whisper"])
def test_translated_cues_inside_their_source_line_on_real_speech(backend: str) -> None:
    """Issue 17 on real people (MIT recordings in tests/data/realspeech, hand-placed word times):
    each Dutch cue lies within 0.25 s of its English line's span, from the line's first word
    onset to the next line's first onset."""
    import realspeech as rs
    from reelkit.speech import transcribe
    from reelkit.speech.align import caption_words, script_prompt, script_tokens

    recs = rs.recordings(rs.PROJECT_DATA, ("praatio_bobby", "praatio_mary"))
    assert [r.name for r in recs] == ["praatio_bobby", "praatio_mary"]
    gap = np.zeros(int(0.9 * rs.SR), dtype=np.float32)
    audio = np.concatenate([gap[: rs.SR // 4], recs[0].samples, gap, recs[1].samples, gap]).astype(np.float32)
    offsets = [0.25, 0.25 + recs[0].samples.size / rs.SR + 0.9]
    lines = [rs.script_text(r) for r in recs]
    dutch = ["Bobby scheurde het kasboek.", "Marie rolde het vat."]
    script = "\n".join(lines)
    tr = transcribe(audio, backend=backend, initial_prompt=script_prompt(script) or None, use_cache=False)
    words = caption_words(tr, audio, script=script)
    assert [w.text for w in words] == script_tokens(script)
    pages = translated_pages(script, "\n".join(dutch), words, CaptionRules(language="nl"), 30.0)
    firsts = [off + r.words[0].start for off, r in zip(offsets, recs)]
    spans = list(zip(firsts, firsts[1:] + [audio.size / rs.SR]))
    seen = set()
    for page in pages:
        text = page.text.replace("\n", " ")
        n = next(i for i, d in enumerate(dutch) if text.split()[0] in d.split())
        seen.add(n)
        lo, hi = spans[n]
        assert lo - 0.25 <= page.start < page.end <= hi + 0.25, (text, page.start, page.end, spans[n])
    assert seen == {0, 1}
    assert " ".join(p.text.replace("\n", " ") for p in pages) == " ".join(dutch)
