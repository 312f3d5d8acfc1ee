"""The web UI: the customer portal (`/support`), the agent console (`/admin`) and the chat widget.

Serves the Vite build in `settings.web_dist`: `index.html` for every portal and console path
(the single-page app routes in the browser), the content-hashed files under `/assets/`, the
chat widget's script `/widget.js` and its demo page `/widget/demo`.
Without a build the routes answer 503 saying how to make one, and the API is unaffected.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import FileResponse, HTMLResponse

from gateway.settings import GatewaySettings

router = APIRouter(include_in_schema=False)

_NOT_BUILT = "the web UI is not built: run `make ui` (or set DVIKA_WEB_DIST to a built web/dist)"
# index.html names the current hashed assets, so it is never cached; the assets forever.
_NO_CACHE = {"Cache-Control": "no-cache"}
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}


def _dist(request: Request) -> Path:
    settings: GatewaySettings = request.app.state.settings
    dist = settings.web_dist
    if dist is None or not (dist / "index.html").is_file():
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, _NOT_BUILT)
    return dist


def _index(request: Request) -> FileResponse:
    return FileResponse(_dist(request) / "index.html", media_type="text/html", headers=_NO_CACHE)


@router.api_route("/support", methods=["GET", "HEAD"])
@router.api_route("/admin", methods=["GET", "HEAD"])
async def app_root(request: Request) -> FileResponse:
    return _index(request)


@router.api_route("/support/{_path:path}", methods=["GET", "HEAD"])
@router.api_route("/admin/{_path:path}", methods=["GET", "HEAD"])
async def app_page(request: Request, _path: str) -> FileResponse:
    return _index(request)


@router.api_route("/assets/{asset_path:path}", methods=["GET", "HEAD"])
async def asset(request: Request, asset_path: str) -> FileResponse:
    assets = (_dist(request) / "assets").resolve()
    file = (assets / asset_path).resolve()
    if not file.is_relative_to(assets) or not file.is_file():
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such asset")
    return FileResponse(file, headers=_IMMUTABLE)


# The chat widget: one script for other sites, so a short cache lets a new build reach them soon.
_WIDGET_CACHE = {"Cache-Control": "public, max-age=300"}
_DEMO_URL = "__DVIKA_URL__"


@router.api_route("/widget.js", methods=["GET", "HEAD"])
async def widget_script(request: Request) -> FileResponse:
    file = _dist(request) / "widget.js"
    if not file.is_file():
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, _NOT_BUILT)
    return FileResponse(file, media_type="text/javascript", headers=_WIDGET_CACHE)


@router.api_route("/widget/demo", methods=["GET", "HEAD"])
async def widget_demo(request: Request) -> HTMLResponse:
    """A pretend shop carrying the widget's one script tag, pointed at this gateway."""
    file = _dist(request) / "widget-demo.html"
    if not file.is_file():
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, _NOT_BUILT)
    base = str(request.base_url).rstrip("/")
    page = file.read_text(encoding="utf-8").replace(_DEMO_URL, html.escape(base, quote=True))
    return HTMLResponse(page, headers=_NO_CACHE)
