"""Series batches: series file, preflight, --jobs, Dask (tcp and TLS), kill -9 resume, the lock,
and the HTML report opened in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelkit.cli.main import main
from reelkit.io.ffmpeg import ffmpeg_exe

PY = sys.executable


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def series_file(tmp_path_factory: pytest.TempPathFactory, landscape_clip: Path) -> Path:
    """Three episodes: one outline file, one inline, one naming a missing clip; tiktok only."""
    root = tmp_path_factory.mktemp("series")
    shutil.copy(landscape_clip, root / "land.mp4")
    _write(root / "episodes" / "one.yaml", "title: First look\nsegments:\n  - clip: ../land.mp4\n    end: 1\n")
    _write(root / "episodes" / "broken.yaml", "title: Broken one\nsegments:\n  - clip: ../missing.mp4\n")
    return _write(root / "series.yaml", """\
title: Harbour works
platforms: [tiktok]
hook: Harbour works
episodes:
  - episodes/one.yaml
  - title: Second look
    hook: Own hook
    segments:
      - clip: land.mp4
        start: 0.5
        end: 1.5
  - episodes/broken.yaml
""")


def _good_series(series: Path) -> Path:
    """The same series without the broken episode."""
    text = series.read_text(encoding="utf-8").replace("  - episodes/broken.yaml\n", "")
    return _write(series.with_name("good.yaml"), text)


def _batch(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "reelkit", "batch", *map(str, args), "--preset", "ultrafast"],
                          capture_output=True, text=True, timeout=600)


def _decoded_hashes(video: Path) -> tuple[str, str]:
    """MD5 of the decoded picture and of the decoded audio."""
    out = []
    for stream in ("0:v:0", "0:a:0"):
        proc = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(video), "-map", stream, "-f", "md5", "-"],
                              capture_output=True, text=True, check=True)
        out.append(proc.stdout.strip())
    return out[0], out[1]


def _decoded_audio(video: Path):  # type: ignore[no-untyped-def]
    import numpy as np

    proc = subprocess.run([ffmpeg_exe(), "-v", "error", "-i", str(video), "-map", "0:a:0", "-ac", "2", "-ar", "48000",
                           "-f", "f32le", "-"], capture_output=True, check=True)
    return np.frombuffer(proc.stdout, dtype="<f4")


def _assert_same_outputs(out1: Path, out2: Path) -> None:
    """Same decoded frames (MD5) and the same audio within 30 dB SNR: the renderer's audio mix
    is not bit-reproducible from run to run (two --jobs 1 runs differ in the last samples and
    by up to ~0.1 dB), so audio is compared by signal-to-noise ratio."""
    import numpy as np

    videos1 = sorted(out1.glob("*/tiktok.mp4"))
    assert videos1 and [p.parent.name for p in videos1] == [p.parent.name for p in sorted(out2.glob("*/tiktok.mp4"))]
    for v1 in videos1:
        v2 = out2 / v1.parent.name / v1.name
        assert _decoded_hashes(v1)[0] == _decoded_hashes(v2)[0], v1.parent.name
        a1, a2 = _decoded_audio(v1), _decoded_audio(v2)
        assert a1.size == a2.size and float(np.mean(a1 ** 2)) > 1e-4
        noise = float(np.mean((a1 - a2) ** 2))
        assert noise == 0 or 10 * np.log10(float(np.mean(a1 ** 2)) / noise) > 30, v1.parent.name


@pytest.fixture(scope="session")
def local_run(series_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("batch") / "out"
    return out, _batch(series_file, "--out", out, "--jobs", "1")


# --- series file and preflight (no render) -------------------------------------------------

def test_series_settings_merge_and_episode_wins(series_file: Path) -> None:
    from reelkit.batch.preflight import preflight
    from reelkit.batch.series import load_series

    series = load_series(series_file)
    checked = preflight(series)
    assert [c.title for c in checked] == ["First look", "Second look", "Broken one"]
    assert checked[0].outline.platforms == ("tiktok",) and checked[0].outline.hook == "Harbour works"
    assert checked[1].outline.hook == "Own hook"  # the episode's own value wins
    assert checked[1].outline.segments[0].clip == (series_file.parent / "land.mp4").resolve()
    assert checked[1].duration == pytest.approx(1.0)
    assert checked[2].problems == [f"{series_file.parent / 'episodes' / 'broken.yaml'}:3: segments.0.clip: clip not "
                                   f"found: {series_file.parent / 'missing.mp4'} (paths are relative to the outline file)"]


def test_series_errors_name_file_line_and_key(tmp_path: Path) -> None:
    from reelkit.batch.series import SeriesError, load_series

    bad = _write(tmp_path / "s.yaml", "title: S\nbrnd: civic\nepisodes: [a.yaml]\n")
    with pytest.raises(SeriesError, match=r"s\.yaml:2: brnd: unknown key 'brnd'"):
        load_series(bad)
    bad = _write(tmp_path / "s.yaml", "title: S\nplatforms: tiktok\nepisodes: [a.yaml]\n")
    with pytest.raises(SeriesError, match=r"s\.yaml:2: platforms: expected a list, got the string 'tiktok'"):
        load_series(bad)
    bad = _write(tmp_path / "s.yaml", "title: S\nepisodes: []\n")
    with pytest.raises(SeriesError, match=r"s\.yaml:2: episodes:"):
        load_series(bad)


def test_series_schema_is_published_and_covers_outline_keys() -> None:
    from importlib import resources

    from reelkit.batch.series import series_schema
    from reelkit.plan.outline import outline_schema

    published = json.loads((resources.files("reelkit") / "data" / "series.schema.json").read_text(encoding="utf-8"))
    assert published["required"] == ["title", "episodes"]
    shared = set(series_schema()["properties"]) - {"title", "episodes"}
    assert shared == set(outline_schema()["properties"]) - {"title", "segments"}


def test_dry_run_lists_problems_and_writes_nothing(series_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["batch", str(series_file), "--out", str(out), "--dry-run"])
    assert result.exit_code == 1
    assert "episode 3 (Broken one):" in result.stderr and "clip not found" in result.stderr
    assert "preflight: 2 of 3 episodes ready, 1 problem(s)" in result.stdout
    assert not out.exists()


def test_plain_tcp_beyond_loopback_is_refused(series_file: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["batch", str(series_file), "--out", str(tmp_path / "o"),
                                       "--cluster", "tcp://10.1.2.3:8786"])
    assert result.exit_code == 1
    assert "refusing plain tcp to 10.1.2.3" in result.stderr and "tls://" in result.stderr
    result = CliRunner().invoke(main, ["batch", str(series_file), "--out", str(tmp_path / "o"),
                                       "--cluster", "tls://10.1.2.3:8786", "--tls-ca", str(series_file)])
    assert result.exit_code == 1 and "TLS needs --tls-cert, --tls-key too" in result.stderr
    assert not (tmp_path / "o").exists()


def test_second_batch_into_the_same_folder_refuses(series_file: Path, tmp_path: Path) -> None:
    from reelkit.io.lock import FolderLock

    out = tmp_path / "out"
    with FolderLock(out, what="batch", name=".reelkit-batch.lock"):  # the first batch holds the folder
        result = _batch(_good_series(series_file), "--out", out)
    assert result.returncode == 1
    assert "another reelkit batch is writing this folder" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [".reelkit-batch.lock"]


# --- renders -------------------------------------------------------------------------------

@pytest.mark.slow
def test_missing_clip_preflight_first_others_render_report(local_run: tuple[Path, subprocess.CompletedProcess[str]],
                                                          series_file: Path) -> None:
    out, result = local_run
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("problem: episode 3 (Broken one):") and "clip not found" in lines[0]
    assert "batch: 2 rendered, 0 skipped, 1 failed" in result.stdout
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert [(e["title"], e["status"]) for e in report["episodes"]] == [
        ("First look", "rendered"), ("Second look", "rendered"), ("Broken one", "failed")]
    first = report["episodes"][0]
    assert first["duration"] == pytest.approx(1.0, abs=0.05)
    assert first["platforms"][0]["platform"] == "tiktok" and first["platforms"][0]["checks_passed"] is True
    assert first["platforms"][0]["loudness"]["integrated_lufs"] == pytest.approx(-14, abs=1.5)
    from PIL import Image

    with Image.open(out / first["contact_sheet"]) as sheet:
        assert sheet.size == (8 * 180 + 7 * 4, 320)  # eight 9:16 frames side by side
        last = sheet.convert("RGB").getpixel((sheet.width - 90, 160))
        assert last != (255, 255, 255)  # the eighth tile holds a frame, not the padding
    # A re-run renders nothing: both good episodes are up to date.
    video = out / "first-look" / "tiktok.mp4"
    mtime = video.stat().st_mtime_ns
    again = _batch(series_file, "--out", out, "--quiet")
    assert "batch: 0 rendered, 2 skipped, 1 failed" in again.stdout and video.stat().st_mtime_ns == mtime
    assert again.stderr.count("\n") == 1  # --quiet: only the problem line
    # A deleted output, or a changed input, renders that episode again.
    (out / "second-look" / "cover.png").unlink()
    again = _batch(series_file, "--out", out, "--quiet")
    assert "batch: 1 rendered, 1 skipped, 1 failed" in again.stdout


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.slow
@pytest.mark.skipif(_chromium() is None, reason="chromium not installed (apt-get install chromium)")
def test_report_opens_in_headless_chromium(local_run: tuple[Path, subprocess.CompletedProcess[str]],
                                           tmp_path: Path) -> None:
    out, _ = local_run
    base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1200,1600"]
    url = (out / "report.html").resolve().as_uri()
    shot = tmp_path / "shot.png"
    subprocess.run(base + [f"--user-data-dir={tmp_path / 'p1'}", f"--screenshot={shot}", url],
                   capture_output=True, timeout=120, check=True)
    dom = subprocess.run(base + [f"--user-data-dir={tmp_path / 'p2'}", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert dom.count('<article class="card') == 3
    cards = dom.split('<article class="card')[1:]
    assert 'data-status="failed"' in cards[0] and "Broken one" in cards[0] and "clip not found" in cards[0]
    for card, slug in zip(cards[1:], ["first-look", "second-look"]):  # rendered (or skipped by a re-run)
        assert 'data-status="failed"' not in card
        assert f'src="{slug}/cover.png"' in card and f'src="{slug}/contact-sheet.jpg"' in card
        assert f'href="{slug}/tiktok.mp4"' in card and "LUFS" in card
    assert '<section class="failures">' in dom and dom.index("failures") < dom.index('<article')
    assert "http://" not in dom and "https://" not in dom  # self-contained
    import numpy as np
    from PIL import Image

    with Image.open(shot) as im:
        pixels = np.asarray(im.convert("RGB"))
    assert pixels.shape[:2] == (1600, 1200)
    # The failure banner's red and the cover/contact-sheet images are drawn (not a blank page).
    assert ((pixels[..., 0] > 240) & (pixels[..., 1] < 235) & (pixels[..., 2] < 235)).sum() > 2000
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200


@pytest.mark.slow
def test_jobs_2_gives_the_same_outputs_as_jobs_1(local_run: tuple[Path, subprocess.CompletedProcess[str]],
                                                 series_file: Path, tmp_path: Path) -> None:
    out1, _ = local_run
    out2 = tmp_path / "out"
    result = _batch(_good_series(series_file), "--out", out2, "--jobs", "2")
    assert result.returncode == 0, result.stderr
    assert "batch: 2 rendered" in result.stdout
    _assert_same_outputs(out1, out2)


def _wait_file(path: Path, proc: subprocess.Popen[str] | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(proc.communicate())
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.1)


@pytest.mark.slow
def test_dask_scheduler_and_two_workers_render_the_series(local_run: tuple[Path, subprocess.CompletedProcess[str]],
                                                          series_file: Path, tmp_path: Path) -> None:
    out1, _ = local_run
    sched_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([PY, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched_file)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)]
    try:
        _wait_file(sched_file, procs[0])
        for _ in range(2):
            procs.append(subprocess.Popen([PY, "-m", "distributed.cli.dask_worker", "--scheduler-file", str(sched_file),
                                           "--nthreads", "1", "--resources", "render=1", "--host", "127.0.0.1",
                                           "--no-dashboard"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True))
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        out = tmp_path / "out"
        result = _batch(_good_series(series_file), "--out", out, "--cluster", address)
        assert result.returncode == 0, result.stderr
        assert "batch: 2 rendered" in result.stdout
        _assert_same_outputs(out1, out)
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and one certificate for 127.0.0.1 signed by it (used by scheduler, worker and client)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reelkit test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


@pytest.mark.slow
def test_tls_cluster_on_loopback(series_file: Path, tmp_path: Path) -> None:
    from distributed import LocalCluster
    from distributed.security import Security

    ca, cert, key = _tls_files(tmp_path)
    security = Security(tls_ca_file=str(ca), tls_scheduler_cert=str(cert), tls_scheduler_key=str(key),
                        tls_worker_cert=str(cert), tls_worker_key=str(key), tls_client_cert=str(cert),
                        tls_client_key=str(key), require_encryption=True)
    one = _write(tmp_path / "one.yaml", series_file.read_text(encoding="utf-8").split("  - title: Second")[0]
                 .replace("episodes/one.yaml", str(series_file.parent / "episodes" / "one.yaml")))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, protocol="tls://", host="127.0.0.1",
                      security=security, dashboard_address=None, resources={"render": 1}) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        result = _batch(one, "--out", tmp_path / "out", "--cluster", address,
                        "--tls-ca", ca, "--tls-cert", cert, "--tls-key", key)
    assert result.returncode == 0, result.stderr
    assert "batch: 1 rendered" in result.stdout
    assert (tmp_path / "out" / "first-look" / "tiktok.mp4").is_file()


@pytest.mark.slow
def test_kill_9_during_second_episode_then_resume(series_file: Path, tmp_path: Path) -> None:
    root = series_file.parent
    long_ep = _write(tmp_path / "long.yaml", "title: Long one\nsegments:\n" +
                     f"  - clip: {root / 'land.mp4'}\n" * 4)
    series = _write(tmp_path / "series.yaml", f"title: Kill test\nplatforms: [tiktok]\nepisodes:\n"
                    f"  - {root / 'episodes' / 'one.yaml'}\n  - {long_ep}\n")
    out = tmp_path / "out"
    proc = subprocess.Popen([PY, "-m", "reelkit", "batch", str(series), "--out", str(out), "--preset", "ultrafast",
                             "--jobs", "1", "--quiet"], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    folder = out / "long-one"
    deadline = time.monotonic() + 300
    # Kill once the second episode's encode is under way (its temporaries exist).
    while time.monotonic() < deadline and proc.poll() is None:
        if folder.is_dir() and any(p.name.startswith(".") and "lock" not in p.name for p in folder.iterdir()):
            break
        time.sleep(0.05)
    assert proc.poll() is None, proc.communicate()
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    state = json.loads((out / "batch-state.json").read_text(encoding="utf-8"))
    assert list(state["episodes"]) == ["first-look"]
    assert not (folder / "tiktok.mp4").exists()  # nothing half-written at a final path
    first_video = out / "first-look" / "tiktok.mp4"
    mtime = first_video.stat().st_mtime_ns
    again = _batch(series, "--out", out, "--jobs", "1")
    assert again.returncode == 0, again.stderr
    assert "batch: 1 rendered, 1 skipped, 0 failed" in again.stdout
    assert first_video.stat().st_mtime_ns == mtime  # no new encode of the first episode
    leftovers = [p for p in out.rglob("*") if ".partial-" in p.name or
                 (p.is_dir() and p.name.startswith(".reelkit-") and p.name != ".reelkit-series")]
    assert leftovers == []
    assert _decoded_hashes(folder / "tiktok.mp4")[0]


def test_report_shows_cut_decisions_and_escapes_text(tmp_path: Path) -> None:
    from reelkit.batch.report import episode_facts, render_html
    from reelkit.batch.work import EpisodeOutcome

    folder = tmp_path / "ep"
    folder.mkdir()
    cut = [{"line": "Crews <start> Monday.", "takes": [{"source": "/m/take2.mp4", "start": 1.0, "end": 3.5,
                                                     "coverage": 0.9}],
            "kept": "/m/take2.mp4", "reason": "best coverage", "removed": [{"kind": "pause", "source": "/m/take2.mp4",
                                                                          "start": 2.0, "end": 2.6}]}]
    words = [[{"text": "Crews", "start": 0, "end": 0.4}, {"text": "start", "start": 0.4, "end": 0.8}]]
    (folder / "plan.json").write_text(json.dumps({"pages": [{"start": 0, "end": 1, "lines": words}],
                                                  "script_cut": cut}), encoding="utf-8")
    outcome = EpisodeOutcome(key="ep", title="A & B", status="rendered", index=1, folder=str(folder),
                             files={"tiktok": str(folder / "tiktok.mp4")}, checks={"tiktok": []},
                             loudness={"tiktok": {"integrated_lufs": -14.02, "true_peak_db": -1.5, "lra": 3}})
    facts = episode_facts(outcome, tmp_path)
    assert facts["captions_excerpt"] == "Crews start" and facts["cut_decisions"] == cut
    assert facts["platforms"][0]["file"] == "ep/tiktok.mp4" and facts["platforms"][0]["checks_passed"] is True
    page = render_html({"series": "S", "finished": "now", "reelkit": "x", "wall_seconds": 1, "episodes_total": 1,
                        "rendered": 1, "skipped": 0, "failed": 0, "not_finished": 0, "episodes": [facts]})
    assert "Cut decisions (1 script lines)" in page and "Crews &lt;start&gt; Monday." in page
    assert "take2.mp4 1.00-3.50s (90%)" in page and "pause 2.00-2.60s" in page
    assert "A &amp; B" in page and "-14.0 LUFS / -1.5 dBTP" in page
    # Without script_cut (the usual case) there is no cut table.
    (folder / "plan.json").write_text(json.dumps({"pages": []}), encoding="utf-8")
    assert "Cut decisions" not in render_html({**json.loads(json.dumps({
        "series": "S", "finished": "now", "reelkit": "x", "wall_seconds": 1, "episodes_total": 1, "rendered": 1,
        "skipped": 0, "failed": 0, "not_finished": 0})), "episodes": [episode_facts(outcome, tmp_path)]})


def test_interactive_progress_shows_overall_line_and_stages(series_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reelkit.batch.preflight import preflight
    from reelkit.batch.series import load_series
    from reelkit.batch.work import EpisodeOutcome
    from reelkit.cli.batch import BatchProgress

    progress = BatchProgress(quiet=False)
    progress.interactive = True  # as on a terminal
    checked = preflight(load_series(series_file))
    progress.planned(checked)
    assert progress.done == 1 and progress.total == 3  # the broken episode is already finished
    progress.stage("first-look", "render tiktok", 0.5)
    assert progress._progress.tasks[-1].fields["info"] == "render tiktok"
    progress.episode(EpisodeOutcome(key="first-look", title="First look", status="rendered", duration=1.0))
    assert progress._overall_text().startswith("episodes 2/3, ETA ")
    progress.close()
    assert "rendered  First look" in capsys.readouterr().err
