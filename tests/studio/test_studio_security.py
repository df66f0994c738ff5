"""The studio server refuses what a foreign page or a stray request could try: no token, a
foreign Host (DNS rebinding) or Origin, paths out of its folders, oversized or invalid edits;
it listens on 127.0.0.1 only, and a taken port is one clear line."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from studio_helpers import Running, copy_episode, script_episode  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def studio(script_episode: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: F811
    folder = copy_episode(script_episode, tmp_path_factory.mktemp("sec"))
    (folder / "escape.txt").symlink_to("/etc/hostname")
    running = Running(folder, tmp_path_factory.mktemp("state"), proxy=False)
    yield running
    running.close()


def raw(running: Running, method: str, path: str, headers: dict[str, str] | None = None,
        body: bytes | None = None) -> tuple[int, bytes]:
    """One request sent as written (no client-side path clean-up)."""
    conn = http.client.HTTPConnection("127.0.0.1", running.server.port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    all_headers = {"Host": f"127.0.0.1:{running.server.port}", "X-Studio-Token": running.server.token}
    all_headers.update(headers or {})
    for k, v in all_headers.items():
        if v is not None:
            conn.putheader(k, v)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
        conn.putheader("Content-Type", "application/json")
    conn.endheaders(body)
    res = conn.getresponse()
    return res.status, res.read()


def origin(running: Running) -> str:
    return f"http://127.0.0.1:{running.server.port}"


def test_token_is_required_and_traded_for_a_cookie(studio: Running) -> None:
    assert raw(studio, "GET", "/api/state")[0] == 200
    assert raw(studio, "GET", "/api/state", {"X-Studio-Token": None})[0] == 403
    assert raw(studio, "GET", "/", {"X-Studio-Token": "wrong"})[0] == 403
    assert raw(studio, "GET", "/files/episode/plan.json", {"X-Studio-Token": None})[0] == 403
    conn = http.client.HTTPConnection("127.0.0.1", studio.server.port, timeout=30)
    conn.request("GET", f"/?token={studio.server.token}")
    res = conn.getresponse()
    assert res.status == 303 and res.getheader("Location") == "/"
    cookie = res.getheader("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    res.read()
    token_cookie = cookie.split(";")[0]
    assert raw(studio, "GET", "/api/state", {"X-Studio-Token": None, "Cookie": token_cookie})[0] == 200


def test_foreign_host_and_origin_are_refused(studio: Running) -> None:
    port = studio.server.port
    assert raw(studio, "GET", "/api/state", {"Host": f"evil.example:{port}"})[0] == 421
    assert raw(studio, "GET", "/api/state", {"Host": f"localhost:{port}"})[0] == 200
    edit = json.dumps({"op": "metadata", "description": "x", "hashtags": []}).encode()
    assert raw(studio, "POST", "/api/edit", {"Origin": "http://evil.example"}, edit)[0] == 403
    assert raw(studio, "POST", "/api/edit", {}, edit)[0] == 403  # no Origin on a write
    before = (studio.folder / "plan.json").read_bytes()
    assert raw(studio, "POST", "/api/render", {"Origin": "http://evil.example"}, b"{}")[0] == 403
    assert (studio.folder / "plan.json").read_bytes() == before and not studio.session.render_running


@pytest.mark.parametrize("path", [
    "/files/episode/../../../../etc/passwd",
    "/files/episode/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/files/episode/..%2f..%2f..%2fetc%2fpasswd",
    "/files/episode//etc/passwd",
    "/files/episode/escape.txt",  # a link out of the folder
    "/files/cache/../../../etc/passwd",
    "/files/home/.bashrc",  # not one of the roots
    "/static/../session.py",
    "/static/%2e%2e/session.py",
])
def test_paths_out_of_the_roots_are_refused(studio: Running, path: str) -> None:
    status, body = raw(studio, "GET", path)
    assert status == 404, (path, status)
    assert b"root:" not in body and b"Session" not in body


def test_own_files_are_served(studio: Running) -> None:
    status, body = raw(studio, "GET", "/files/episode/plan.json")
    assert status == 200 and body == (studio.folder / "plan.json").read_bytes()
    status, body = raw(studio, "GET", "/files/episode/tiktok.mp4", {"Range": "bytes=0-99"})
    assert status == 206 and len(body) == 100  # the player seeks by range requests


def test_bad_edits_are_refused_and_change_nothing(studio: Running) -> None:
    before = (studio.folder / "plan.json").read_bytes()
    post = {"Origin": origin(studio)}
    bad = [{"op": "rm -rf"}, {"op": "fix_word", "page": 0, "word": 0, "text": ""},
           {"op": "fix_word", "page": 999, "word": 0, "text": "x"},
           {"op": "move_edge", "cut": 0, "edge": "end", "frames": 10**9},
           {"op": "move_edge", "cut": 0, "edge": "end", "frames": "5"},
           {"op": "move_overlay", "overlay": 0, "x": -5, "y": 0},
           {"op": "metadata", "description": "x", "hashtags": ["two words"]}]
    for op in bad:
        status, body = raw(studio, "POST", "/api/edit", post, json.dumps(op).encode())
        assert status == 400, op
        assert json.loads(body)["error"]
    status, body = raw(studio, "POST", "/api/edit", post, b"{" + b" " * (70 * 1024) + b"}")
    assert status == 400 and b"over 64 KB" in body
    assert raw(studio, "POST", "/api/edit", post, b"not json")[0] == 400
    assert (studio.folder / "plan.json").read_bytes() == before


def _outside_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_listens_on_loopback_only(studio: Running) -> None:
    assert studio.server.sock.getsockname()[0] == "127.0.0.1"
    address = _outside_address()
    if address is None:
        pytest.skip("no non-loopback interface on this machine")
    with pytest.raises(OSError):
        socket.create_connection((address, studio.server.port), timeout=3).close()


def test_taken_port_is_one_clear_line(studio: Running) -> None:
    from reelkit.cli.main import main

    result = CliRunner().invoke(main, ["studio", str(studio.folder), "--port", str(studio.server.port), "--no-browser"])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines == [f"error: --port: port {studio.server.port} on 127.0.0.1 is already in use "
                     "(stop the other program, or pass --port 0 for a free port)"]


@pytest.mark.parametrize("args, line", [
    (["/nonexistent/episode"], "error: /nonexistent/episode: not an outline, an episode folder or a plan.json"),
    ([], "error: EPISODE: give an episode, or --brand NAME for brand mode (not both)"),
])
def test_bad_arguments_are_one_line(args: list[str], line: str) -> None:
    from reelkit.cli.main import main

    result = CliRunner().invoke(main, ["studio", *args, "--no-browser"])
    assert result.exit_code == 1 and result.output.strip().splitlines() == [line]
