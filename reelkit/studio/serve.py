"""Starting the studio: which plan.json an argument means, the listening socket, the per-run
token, and uvicorn in the foreground (the command) or in a thread (tests, the benchmark)."""

from __future__ import annotations

import errno
import hashlib
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reelkit.errors import InputError
from reelkit.io.paths import cache_root
from reelkit.plan.outline import load_outline

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def find_plan_file(target: Path, out_dir: Path = Path("out")) -> Path:
    """The plan.json meant by ``target``: a plan.json, an episode folder, or an outline whose
    episode was rendered into ``out_dir/<slug>/``."""
    target = Path(target)
    if target.suffix.lower() == ".json":
        if not target.is_file():
            raise InputError("plan file not found", path=str(target), hint="render the episode first")
        return target
    if target.is_dir():
        plan = target / "plan.json"
        if not plan.is_file():
            raise InputError("no plan.json in this folder", path=str(target),
                             hint="give an episode folder made by `reelkit render` (OUT/<slug>)")
        return plan
    if target.suffix.lower() in (".yaml", ".yml"):
        outline = load_outline(target, check_media=False)
        plan = out_dir / outline.slug / "plan.json"
        if not plan.is_file():
            raise InputError(f"episode not rendered yet ({plan} missing)", path=str(target),
                             hint=f"run `reelkit render {target} --out {out_dir}` first")
        return plan
    raise InputError("not an outline, an episode folder or a plan.json", path=str(target))


def state_dir_for(key: Path | str) -> Path:
    """The studio's cache folder for one episode folder or brand preset (history, proxies)."""
    digest = hashlib.sha256(str(Path(key).resolve()).encode("utf-8")).hexdigest()[:16]
    folder = cache_root() / "studio" / digest
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket; a taken port is one clear InputError."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InputError(f"port {port} on {host} is already in use", key="--port",
                             hint="stop the other program, or pass --port 0 for a free port") from None
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror}", key="--host") from None
    sock.listen(64)
    return sock


def allowed_hosts(host: str, port: int) -> set[str]:
    """Host header values the studio answers (its own address; localhost for 127.0.0.1)."""
    names = {f"[{host}]" if ":" in host else host}
    if host in ("127.0.0.1", "::1"):
        names |= {"localhost", "127.0.0.1"}
    return {f"{n}:{port}" for n in names}


class StudioServer:
    """uvicorn serving an app built for this run's token and address."""

    def __init__(self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
        self.sock = bind(host, port)  # first: a taken port fails before anything is loaded
        self.host, self.port = host, self.sock.getsockname()[1]
        self.token = secrets.token_urlsafe(24)
        self.server: Any = None
        self._thread: threading.Thread | None = None

    def mount(self, make_app: Callable[[str, set[str]], Any]) -> StudioServer:
        """Serve the app ``make_app(token, allowed hosts)`` builds."""
        # lazy: the server loads only when the studio runs
        import uvicorn

        app = make_app(self.token, allowed_hosts(self.host, self.port))
        self.server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
        return self

    @property
    def base(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    @property
    def url(self) -> str:
        """The address to open: it carries the token once."""
        return f"{self.base}/?token={self.token}"

    def run(self) -> None:
        """Serve in the foreground until Ctrl-C."""
        self.server.run(sockets=[self.sock])

    def start(self) -> StudioServer:
        """Serve in a daemon thread; returns once the server accepts requests."""
        self._thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
        if self._thread:
            self._thread.join(timeout=10)
        self.sock.close()
