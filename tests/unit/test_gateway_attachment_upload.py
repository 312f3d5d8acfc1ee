"""The gateway's multipart upload, on the router alone with a store in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.entrypoints import http_attachments
from gateway.entrypoints.http_attachments import content_disposition
from kit.attachments import AttachmentPolicy, LocalFolderStore

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def client(folder: Path) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.settings = SimpleNamespace()
    app.state.public_limiter = None
    app.state.attachments = LocalFolderStore(folder, AttachmentPolicy(max_bytes=4096))
    app.include_router(http_attachments.router)
    with TestClient(app) as test_client:
        yield test_client


def _on_disk(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_files_are_stored_and_described(client: TestClient, folder: Path) -> None:
    answer = client.post(
        "/api/v1/attachments",
        files=[("files", ("a.png", PNG, "image/png")), ("files", ("b.txt", b"hi\n", "text/plain"))],
        data={"note": "ignored"},
    )
    assert answer.status_code == 201, answer.text
    stored = answer.json()
    assert [(f["filename"], f["size"]) for f in stored] == [("a.png", len(PNG)), ("b.txt", 3)]
    ids = {f["attachment_id"] for f in stored}
    assert _on_disk(folder) == sorted([*ids, *(f"{i}.json" for i in ids)])


@pytest.mark.parametrize(
    ("second", "status", "reason"),
    [
        (("big.txt", b"a" * 5000, "text/plain"), 413, "larger than the limit of 4 KiB"),
        (("fake.png", b"GIF89a" * 20, "image/png"), 415, "not image/png"),
        (("x.svg", b"<svg/>", "image/svg+xml"), 415, "image/svg+xml are not accepted"),
    ],
)
def test_a_refused_file_refuses_the_upload_and_keeps_nothing(
    client: TestClient, folder: Path, second: tuple[str, bytes, str], status: int, reason: str
) -> None:
    answer = client.post(
        "/api/v1/attachments",
        files=[("files", ("ok.png", PNG, "image/png")), ("files", second)],
    )
    assert answer.status_code == status
    assert reason in answer.json()["detail"]
    assert _on_disk(folder) == []


def test_bad_bodies_answer_422(client: TestClient, folder: Path) -> None:
    assert client.post("/api/v1/attachments", json={"files": []}).status_code == 422
    no_file = client.post("/api/v1/attachments", files=[("files", ("", b"", "text/plain"))])
    assert no_file.status_code == 422
    cut = client.post(
        "/api/v1/attachments",
        content=b'--b\r\nContent-Disposition: form-data; name="files"; filename="a.txt"\r\n\r\nab',
        headers={"content-type": "multipart/form-data; boundary=b"},
    )
    assert cut.status_code == 422
    assert _on_disk(folder) == []


def test_a_declared_length_over_the_limit_is_refused_before_reading(client: TestClient) -> None:
    answer = client.post(
        "/api/v1/attachments",
        content=b"--b--\r\n",
        headers={"content-type": "multipart/form-data; boundary=b", "content-length": "99999999"},
    )
    assert answer.status_code == 413


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"),
        ('a "b".txt', "attachment; filename=\"a 'b'.txt\"; filename*=UTF-8''a%20%22b%22.txt"),
        ("für.txt", "attachment; filename=\"f?r.txt\"; filename*=UTF-8''f%C3%BCr.txt"),
    ],
)
def test_the_download_name_is_quoted_safely(name: str, header: str) -> None:
    assert content_disposition(name) == header
