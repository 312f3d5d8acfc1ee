"""How the gateway serves the web UI's build: SPA paths, hashed assets, and 503 without a build.

Only the `web_ui` router on a bare app with the gateway's settings: no servers needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.entrypoints import web_ui
from gateway.settings import REPO_WEB_DIST, GatewaySettings

INDEX = "<!doctype html><title>Dvika Care</title>"


def _client(web_dist: Path | None) -> TestClient:
    app = FastAPI()
    app.state.settings = GatewaySettings(web_dist=web_dist)
    app.include_router(web_ui.router)
    return TestClient(app)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('ui')")
    (tmp_path.parent / "secret.txt").write_text("not for the web")
    return tmp_path


def test_the_default_is_this_checkouts_web_dist() -> None:
    assert GatewaySettings().web_dist == REPO_WEB_DIST
    assert REPO_WEB_DIST.parent.joinpath("package.json").is_file()


@pytest.mark.parametrize(
    "path",
    ["/support", "/support/track", "/support/track/DVK-1004?token=abc", "/admin", "/admin/x/y"],
)
def test_portal_and_console_paths_serve_the_app(built: Path, path: str) -> None:
    answer = _client(built).get(path)
    assert answer.status_code == 200
    assert answer.text == INDEX
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["cache-control"] == "no-cache"


def test_assets_are_served_and_cached_for_good(built: Path) -> None:
    answer = _client(built).get("/assets/index-abc123.js")
    assert answer.status_code == 200
    assert answer.text == "console.log('ui')"
    assert "immutable" in answer.headers["cache-control"]


@pytest.mark.parametrize(
    "path", ["/assets/missing.js", "/assets/../index.html", "/assets/%2e%2e/%2e%2e/secret.txt"]
)
def test_no_file_outside_the_assets_folder(built: Path, path: str) -> None:
    assert _client(built).get(path).status_code == 404


@pytest.mark.parametrize("web_dist", [None, Path("/nonexistent/web/dist")])
def test_without_a_build_the_ui_answers_503_with_the_fix(web_dist: Path | None) -> None:
    client = _client(web_dist)
    for path in ("/support", "/admin/login", "/assets/index.js"):
        answer = client.get(path)
        assert answer.status_code == 503
        assert "make ui" in answer.json()["detail"]
