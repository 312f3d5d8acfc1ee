"""The attachment policy (types, sizes, sniffing) and the local folder store."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from uuid import uuid4

import pytest

from kit.attachments import (
    AttachmentNotFound,
    AttachmentPolicy,
    AttachmentTooLarge,
    LocalFolderStore,
    TooManyAttachments,
    UnsupportedAttachmentType,
    clean_filename,
    content_type_of,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40
GIF = b"GIF89a" + b"\x00" * 40
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 40
PDF = b"%PDF-1.7\n" + b"x" * 40
ZIP = b"PK\x03\x04" + b"\x00" * 40
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(
    ("filename", "declared", "data", "kept_as"),
    [
        ("shot.png", "image/png", PNG, "image/png"),
        ("photo.jpg", "image/jpeg", JPEG, "image/jpeg"),
        ("anim.gif", "image/gif", GIF, "image/gif"),
        ("pic.webp", "image/webp", WEBP, "image/webp"),
        ("invoice.pdf", "application/pdf", PDF, "application/pdf"),
        ("notes.txt", "text/plain; charset=utf-8", "héllo\n".encode(), "text/plain"),
        ("rows.csv", "text/csv", b"a,b\n1,2\n", "text/csv"),
        ("logs.zip", "application/zip", ZIP, "application/zip"),
        ("letter.docx", DOCX, ZIP, DOCX),
        ("old.doc", "application/msword", OLE2, "application/msword"),
        # No or a generic declared type: the name decides.
        ("scan.pdf", "application/octet-stream", PDF, "application/pdf"),
        ("scan.png", None, PNG, "image/png"),
        # Windows browsers call CSV files Excel sheets.
        ("rows.csv", "application/vnd.ms-excel", b"a,b\n", "text/csv"),
    ],
)
def test_allowed_files_are_kept_as_their_type(
    filename: str, declared: str | None, data: bytes, kept_as: str
) -> None:
    policy = AttachmentPolicy()
    kind = policy.content_type(filename, declared)
    assert kind == kept_as
    policy.check_content(filename, kind, data)  # no exception


@pytest.mark.parametrize(
    ("filename", "declared"),
    [
        ("page.html", "text/html"),
        ("logo.svg", "image/svg+xml"),
        ("run.exe", "application/x-msdownload"),
        ("mystery", "application/octet-stream"),
        ("mystery.bin", None),
    ],
)
def test_other_types_are_refused_with_the_reason(filename: str, declared: str | None) -> None:
    with pytest.raises(UnsupportedAttachmentType, match="not accepted"):
        AttachmentPolicy().content_type(filename, declared)


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("image/png", b"<html><script>alert(1)</script>"),
        ("image/png", JPEG),
        ("image/jpeg", PNG),
        ("image/gif", b"GIF80a"),
        ("image/webp", b"RIFF\x00\x00\x00\x00WAVE"),
        ("application/pdf", b"MZ\x90\x00 not a pdf"),
        ("application/zip", PDF),
        (DOCX, OLE2),
        ("application/msword", ZIP),
        ("text/plain", b"abc\x00def"),
        ("text/plain", PNG),
        ("text/csv", PDF),
    ],
)
def test_content_that_is_not_what_it_claims_is_refused(kind: str, data: bytes) -> None:
    with pytest.raises(UnsupportedAttachmentType, match=f"not {kind}"):
        AttachmentPolicy().check_content("file", kind, data)


def test_size_and_count_limits() -> None:
    policy = AttachmentPolicy(max_bytes=100, max_files=2)
    policy.check_size("a.txt", 100)
    with pytest.raises(AttachmentTooLarge, match="larger than the limit of 100 B"):
        policy.check_size("a.txt", 101)
    policy.check_count(2)
    with pytest.raises(TooManyAttachments, match="at most 2"):
        policy.check_count(3)
    assert "10 MiB" in str(_too_large(AttachmentPolicy(), 10 * 1024 * 1024 + 1))


def _too_large(policy: AttachmentPolicy, size: int) -> Exception:
    with pytest.raises(AttachmentTooLarge) as refused:
        policy.check_size("big.pdf", size)
    return refused.value


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ada\\invoice.pdf", "invoice.pdf"),
        ("a\x00b\r\nc.txt", "abc.txt"),
        ("", "file"),
        (None, "file"),
        ("...", "file"),
        ("x" * 300 + ".txt", "x" * 255),
        ("résumé 2026.pdf", "résumé 2026.pdf"),
    ],
)
def test_file_names_lose_folders_and_control_characters(given: str | None, kept: str) -> None:
    assert clean_filename(given) == kept


def test_content_type_of_guesses_from_the_name() -> None:
    assert content_type_of("a.pdf", None) == "application/pdf"
    assert content_type_of("a.PNG", "") == "image/png"
    assert content_type_of("a.png", "Image/PNG; x=y") == "image/png"


async def test_a_file_round_trips_through_the_store(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    data = PDF + b"y" * 200_000  # more than one read chunk
    stored = await store.put("in voice.pdf", "application/pdf", data)
    assert stored.filename == "in voice.pdf"
    assert stored.content_type == "application/pdf"
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    text = str(stored.attachment_id)
    assert (tmp_path / text[:2] / text).read_bytes() == data
    sidecar = json.loads((tmp_path / text[:2] / f"{text}.json").read_text())
    assert sidecar["sha256"] == stored.sha256
    assert await store.exists(stored.attachment_id)
    assert await store.describe(stored.attachment_id) == stored
    again, chunks = await store.open(stored.attachment_id)
    assert again == stored
    assert b"".join([c async for c in chunks]) == data
    assert await store.read(stored.attachment_id) == (stored, data)


async def test_unknown_and_deleted_files_are_not_found(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    missing = uuid4()
    assert not await store.exists(missing)
    assert await store.describe(missing) is None
    with pytest.raises(AttachmentNotFound):
        await store.open(missing)
    stored = await store.put("a.txt", "text/plain", b"hello")
    store.delete(stored.attachment_id)
    assert not await store.exists(stored.attachment_id)
    assert _files(tmp_path) == []


async def test_refused_files_leave_nothing_behind(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path, AttachmentPolicy(max_bytes=2048))
    with pytest.raises(UnsupportedAttachmentType):
        await store.put("fake.png", "image/png", b"<svg onload=alert(1)>")
    with pytest.raises(AttachmentTooLarge):
        await store.put("big.txt", "text/plain", b"a" * 2049)
    with pytest.raises(UnsupportedAttachmentType):
        await store.put("page.html", "text/html", b"<p>")
    assert _files(tmp_path) == []


def test_a_streamed_file_is_refused_as_soon_as_it_passes_a_limit(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path, AttachmentPolicy(max_bytes=3000))
    writer = store.begin("a.txt", "text/plain")
    writer.write(b"a" * 1500)
    with pytest.raises(AttachmentTooLarge):
        writer.write(b"a" * 1501)
    assert _files(tmp_path) == []
    # The content is judged once the first kilobyte is in, before the rest arrives.
    writer = store.begin("a.png", "image/png")
    with pytest.raises(UnsupportedAttachmentType):
        writer.write(b"not a png" * 200)
    assert _files(tmp_path) == []


def test_an_unfinished_upload_is_invisible_until_committed(tmp_path: Path) -> None:
    store = LocalFolderStore(tmp_path)
    writer = store.begin("a.txt", "text/plain")
    writer.write(b"half")
    # Only a temporary file exists: no data file under its id, no sidecar.
    names = [p.name for p in _files(tmp_path)]
    assert len(names) == 1
    assert names[0].startswith(".")
    assert names[0].endswith(".part")
    stored = writer.commit()
    names = sorted(p.name for p in _files(tmp_path))
    assert names == sorted([str(stored.attachment_id), f"{stored.attachment_id}.json"])


async def test_a_crash_before_the_rename_leaves_the_old_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalFolderStore(tmp_path)

    def crash(src: object, dst: object) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        await store.put("a.txt", "text/plain", b"hello")
    monkeypatch.undo()
    assert _files(tmp_path) == []


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]
