"""The studio's web app (Starlette): the page, its JSON API, server-sent events and files.

Security, for a server any web page in the same browser could try to reach:

- every request carries the per-run token (``?token=`` once, then an HttpOnly SameSite
  cookie, or an ``X-Studio-Token`` header); without it: 403;
- the Host header must name the address the studio listens on (DNS rebinding): else 421;
- a request that changes something must come with an Origin of that same address: else 403;
- files are served from three roots only (the episode folder, the studio's cache folder, the
  brand preset's folder), each path resolved and checked to lie inside its root; overlay
  images by their index in the plan, never by a path from the browser;
- request bodies are bounded and every edit is validated as an untrusted plan (session.py).
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response, StreamingResponse)
from starlette.routing import Route

from reelkit.errors import InputError, ReelkitError
from reelkit.studio.view import session_view

STATIC = Path(__file__).parent / "static"
COOKIE = "reelkit_studio"
MAX_BODY = 64 * 1024
SAFE_METHODS = ("GET", "HEAD")

ASGI = Callable[[dict[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


class Guard:
    """ASGI middleware: token, Host and Origin checks before any route runs."""

    def __init__(self, app: ASGI, token: str, hosts: set[str]) -> None:
        self.app, self.token, self.hosts = app, token, hosts

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        refusal = self.refusal(request)
        if refusal is not None:
            return await refusal(scope, receive, send)
        if request.method == "GET" and "token" in request.query_params:
            # Trade the token in the address for a cookie, and drop it from the address bar.
            response = RedirectResponse(request.url.path, status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
            return await response(scope, receive, send)
        await self.app(scope, receive, send)

    def refusal(self, request: Request) -> Response | None:
        """The response refusing ``request``, or None when it may go on."""
        host = request.headers.get("host", "")
        if host not in self.hosts:
            return PlainTextResponse("refused: unknown Host (the studio answers only its own address)", 421)
        given = (request.query_params.get("token") or request.headers.get("x-studio-token")
                 or request.cookies.get(COOKIE) or "")
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            return PlainTextResponse("refused: missing or wrong studio token (open the address the studio printed)", 403)
        if request.method not in SAFE_METHODS:
            if request.headers.get("origin", "") != f"http://{host}":
                return PlainTextResponse("refused: a change must come from the studio's own page (Origin)", 403)
        return None


def contained(root: Path, relative: str) -> Path | None:
    """``root/relative`` if it is an existing file inside ``root`` (links resolved), else None."""
    if not relative or "\x00" in relative or relative.startswith(("/", "\\")):
        return None
    base = root.resolve()
    try:
        path = (base / relative).resolve()
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def not_found(what: str = "not found") -> PlainTextResponse:
    return PlainTextResponse(what, 404)


def error(exc: ReelkitError, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": exc.one_line()}, status)


async def read_json(request: Request) -> dict[str, Any]:
    """The request's JSON object, at most MAX_BODY bytes; InputError otherwise."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise InputError(f"request body over {MAX_BODY // 1024} KB", key="body")
    try:
        data = json.loads(body or b"{}")
    except (UnicodeDecodeError, ValueError):
        raise InputError("request body is not JSON", key="body") from None
    if not isinstance(data, dict):
        raise InputError("request body must be a JSON object", key="body")
    return data


def static_route() -> Route:
    async def static(request: Request) -> Response:
        path = contained(STATIC, request.path_params["name"])
        return FileResponse(path, headers={"Cache-Control": "no-cache"}) if path else not_found()
    return Route("/static/{name:path}", static)


def file_route(roots: dict[str, Path]) -> Route:
    """``/files/<root>/<path>`` for the named roots only."""
    async def files(request: Request) -> Response:
        root = roots.get(request.path_params["root"])
        path = contained(root, request.path_params["path"]) if root else None
        return FileResponse(path, headers={"Cache-Control": "no-cache"}) if path else not_found()
    return Route("/files/{root}/{path:path}", files)


def events_route(events: Any) -> Route:
    """``/api/events``: server-sent events after ``?after=N``."""
    async def stream(request: Request) -> Response:
        try:
            seq = int(request.query_params.get("after", "0"))
        except ValueError:
            seq = 0

        async def gen():  # type: ignore[no-untyped-def]
            nonlocal seq
            yield ": studio events\n\n"
            while not await request.is_disconnected():
                items = await anyio.to_thread.run_sync(events.after, seq, 1.0)
                for n, kind, data in items:
                    seq = n
                    yield f"id: {n}\nevent: {kind}\ndata: {data}\n\n"
                if not items:
                    yield ": ping\n\n"
        return StreamingResponse(gen(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})
    return Route("/api/events", stream)


def page_route(name: str) -> Route:
    async def page(request: Request) -> Response:
        return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})
    return Route("/", page)


def guarded(routes: list[Route], token: str, hosts: set[str]) -> ASGI:
    """The app: ``routes`` behind the :class:`Guard`."""
    return Guard(Starlette(routes=routes), token, hosts)


def episode_app(session: Any, token: str, hosts: set[str]) -> ASGI:
    """The episode studio: the page, state, edits, undo/redo, render, events, files."""
    async def state(request: Request) -> Response:
        return JSONResponse(await anyio.to_thread.run_sync(session_view, session))

    def post(action: Callable[[dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            try:
                body = await read_json(request)
                result = await anyio.to_thread.run_sync(action, body)
            except ReelkitError as exc:
                return error(exc)
            view = await anyio.to_thread.run_sync(session_view, session)
            return JSONResponse(dict(view, ok=result is not False))
        return handler

    async def overlay(request: Request) -> Response:
        try:
            ov = session.plans[0].overlays[int(request.path_params["index"])]
        except (ValueError, IndexError):
            return not_found()
        return FileResponse(ov.image) if Path(ov.image).is_file() else not_found()

    routes = [page_route("index.html"), static_route(), Route("/api/state", state),
              Route("/api/edit", post(session.apply), methods=["POST"]),
              Route("/api/undo", post(lambda _: session.undo()), methods=["POST"]),
              Route("/api/redo", post(lambda _: session.redo()), methods=["POST"]),
              Route("/api/render", post(lambda _: session.start_render()), methods=["POST"]),
              Route("/files/overlay/{index:int}", overlay), events_route(session.events),
              file_route({"episode": session.folder, "cache": session.state_dir})]
    return guarded(routes, token, hosts)


def brand_app(watch: Any, token: str, hosts: set[str]) -> ASGI:
    """Brand mode: the preset on a sample frame per platform, its problems, live."""
    async def state(request: Request) -> Response:
        return JSONResponse(watch.view())

    routes = [page_route("brand.html"), static_route(), Route("/api/brand", state), events_route(watch.events),
              file_route({"cache": watch.state_dir, "brand": watch.preset_file.parent})]
    return guarded(routes, token, hosts)
