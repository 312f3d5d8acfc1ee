"""Attachment storage: the port every service keeps files through, its limits, a local adapter.

A thread carries `contracts.values.Attachment` references, never bytes; the bytes live in an
`AttachmentStore`. The default adapter, `LocalFolderStore`, writes `<root>/<id[:2]>/<id>`
plus a JSON sidecar `<id>.json` with the metadata; the sidecar is written (atomically) last,
so a file without one was never committed and is invisible.

`AttachmentPolicy` is pure: which types are allowed, how large a file and how many per
message, and whether a file's first bytes agree with the type it claims (a declared
`image/png` whose bytes are not PNG is refused: the type is what the download will say).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import mimetypes
import os
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, Protocol
from uuid import UUID, uuid4

from contracts.values import MAX_ATTACHMENTS, Attachment

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MIB
# How many leading bytes the sniffing looks at.
HEAD_BYTES = 1024
READ_CHUNK = 64 * 1024

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (.doc, .xls, .ppt)
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a zip, and an empty one; OOXML and ODF are zips


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _zip(head: bytes) -> bool:
    return head.startswith(_ZIP)


def _text(head: bytes) -> bool:
    # Text has no NUL bytes and is not one of the binary formats below dressed as text.
    return b"\x00" not in head and not any(check(head) for check in _BINARY_MAGIC.values())


_BINARY_MAGIC: dict[str, Callable[[bytes], bool]] = {
    "image/png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": lambda h: h.startswith(b"\xff\xd8\xff"),
    "image/gif": lambda h: h.startswith((b"GIF87a", b"GIF89a")),
    "image/webp": _webp,
    # Readers accept the marker within the first kilobyte (some files start with junk).
    "application/pdf": lambda h: b"%PDF-" in h[:HEAD_BYTES],
    "application/zip": _zip,
    "application/msword": lambda h: h.startswith(_OLE2),
    "application/vnd.ms-excel": lambda h: h.startswith(_OLE2),
    "application/vnd.ms-powerpoint": lambda h: h.startswith(_OLE2),
}
_OOXML = "application/vnd.openxmlformats-officedocument"
_ODF = "application/vnd.oasis.opendocument"
_ZIP_BASED = (
    f"{_OOXML}.wordprocessingml.document",
    f"{_OOXML}.spreadsheetml.sheet",
    f"{_OOXML}.presentationml.presentation",
    f"{_ODF}.text",
    f"{_ODF}.spreadsheet",
    f"{_ODF}.presentation",
)
# What the first bytes of each allowed type must look like.
_MAGIC: dict[str, Callable[[bytes], bool]] = {
    **_BINARY_MAGIC,
    **dict.fromkeys(_ZIP_BASED, _zip),
    "text/plain": _text,
    "text/csv": _text,
}
DEFAULT_ALLOWED_TYPES = frozenset(_MAGIC)
# Types a client says when it does not know: the file name decides instead.
_UNKNOWN_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
# Extensions mimetypes may not know on every system.
_EXTENSION_TYPES = {
    ".webp": "image/webp",
    ".csv": "text/csv",
    ".docx": f"{_OOXML}.wordprocessingml.document",
    ".xlsx": f"{_OOXML}.spreadsheetml.sheet",
    ".pptx": f"{_OOXML}.presentationml.presentation",
    ".odt": f"{_ODF}.text",
    ".ods": f"{_ODF}.spreadsheet",
    ".odp": f"{_ODF}.presentation",
    ".log": "text/plain",
    ".txt": "text/plain",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class AttachmentRefused(Exception):
    """A file the policy does not accept; `kind` tells an HTTP caller 413 from 415 from 422."""

    kind: Literal["too_large", "unsupported_type", "too_many"]

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AttachmentTooLarge(AttachmentRefused):
    kind = "too_large"


class UnsupportedAttachmentType(AttachmentRefused):
    kind = "unsupported_type"


class TooManyAttachments(AttachmentRefused):
    kind = "too_many"


class AttachmentNotFound(LookupError):
    pass


def clean_filename(name: str | None) -> str:
    """A file name safe to store and to show: no folders, no control characters, ≤255."""
    text = unicodedata.normalize("NFC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = " ".join(_CONTROL.sub("", text).split()).strip(". ")
    return text[:255].strip() or "file"


def _base_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _type_of_name(filename: str) -> str | None:
    extension = os.path.splitext(filename)[1].lower()
    return _EXTENSION_TYPES.get(extension) or mimetypes.guess_type(filename, strict=False)[0]


def content_type_of(filename: str, declared: str | None) -> str:
    """The declared type without parameters, or the file name's when none useful was given."""
    kind = _base_type(declared)
    by_name = _type_of_name(filename)
    if kind in _UNKNOWN_TYPES:
        return by_name or kind
    if kind == "application/vnd.ms-excel" and by_name == "text/csv":
        return "text/csv"
    return kind


@dataclass(frozen=True)
class AttachmentPolicy:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_files: int = MAX_ATTACHMENTS
    allowed_types: frozenset[str] = field(default=DEFAULT_ALLOWED_TYPES)

    def content_type(self, filename: str, declared: str | None) -> str:
        """The type a file will be kept (and served) as; raises UnsupportedAttachmentType.

        A declared type wins; a missing or generic one is taken from the file name. CSV files
        that Windows browsers declare as Excel sheets are taken as CSV.
        """
        kind = content_type_of(filename, declared)
        if kind not in self.allowed_types:
            shown = kind or "an unknown type"
            raise UnsupportedAttachmentType(f"{filename}: files of type {shown} are not accepted")
        return kind

    def check_size(self, filename: str, size: int) -> None:
        if size > self.max_bytes:
            raise AttachmentTooLarge(
                f"{filename} is larger than the limit of {format_bytes(self.max_bytes)}"
            )

    def check_count(self, count: int) -> None:
        if count > self.max_files:
            raise TooManyAttachments(f"at most {self.max_files} files per message, not {count}")

    def check_content(self, filename: str, content_type: str, head: bytes) -> None:
        """Refuse a file whose first bytes are not what its type says."""
        looks_right = _MAGIC.get(content_type)
        if looks_right is not None and not looks_right(head):
            raise UnsupportedAttachmentType(
                f"{filename}: the content is not {content_type} as declared"
            )


def format_bytes(size: int) -> str:
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= MIB:
        return f"{size / MIB:.1f} MiB"
    if size >= 1024:
        return f"{round(size / 1024)} KiB"
    return f"{size} B"


class AttachmentWriter(Protocol):
    """One file being received: written piece by piece, then committed or discarded."""

    def write(self, chunk: bytes) -> None: ...
    def commit(self) -> Attachment: ...
    def discard(self) -> None: ...


class AttachmentStore(Protocol):
    policy: AttachmentPolicy

    def begin(
        self, filename: str, content_type: str | None, attachment_id: UUID | None = None
    ) -> AttachmentWriter: ...
    async def put(
        self,
        filename: str,
        content_type: str | None,
        data: bytes,
        attachment_id: UUID | None = None,
    ) -> Attachment: ...
    async def describe(self, attachment_id: UUID) -> Attachment | None: ...
    async def open(self, attachment_id: UUID) -> tuple[Attachment, AsyncIterator[bytes]]: ...
    async def exists(self, attachment_id: UUID) -> bool: ...
    def delete(self, attachment_id: UUID) -> None: ...


class _LocalWriter:
    """Writes into a temporary file next to the final one; `commit` renames it into place.

    Limits are enforced while writing: the size at every chunk, the content once the first
    kilobyte (or the whole file) is in.
    """

    def __init__(
        self,
        folder: Path,
        policy: AttachmentPolicy,
        filename: str,
        kind: str,
        attachment_id: UUID | None,
    ) -> None:
        self._policy = policy
        self._filename = filename
        self._kind = kind
        self._id = attachment_id or uuid4()
        self._folder = folder / str(self._id)[:2]
        self._folder.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = tempfile.NamedTemporaryFile(  # noqa: SIM115
            dir=self._folder, prefix=f".{self._id}.", suffix=".part", delete=False
        )
        self._temp = Path(self._file.name)
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = b""
        self._sniffed = False

    def write(self, chunk: bytes) -> None:
        if self._file is None:
            raise RuntimeError("the upload is finished")
        try:
            self._size += len(chunk)
            self._policy.check_size(self._filename, self._size)
            if not self._sniffed:
                self._head = (self._head + chunk)[:HEAD_BYTES]
                if len(self._head) >= HEAD_BYTES:
                    self._sniff()
            self._hash.update(chunk)
            self._file.write(chunk)
        except BaseException:
            self.discard()
            raise

    def _sniff(self) -> None:
        self._sniffed = True
        self._policy.check_content(self._filename, self._kind, self._head)

    def commit(self) -> Attachment:
        if self._file is None:
            raise RuntimeError("the upload is finished")
        try:
            if not self._sniffed:
                self._sniff()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            attachment = Attachment(
                attachment_id=self._id,
                filename=self._filename,
                content_type=self._kind,
                size=self._size,
                sha256=self._hash.hexdigest(),
            )
            final = self._folder / str(self._id)
            os.replace(self._temp, final)
            _write_atomically(self._folder / f"{self._id}.json", attachment.model_dump_json())
            return attachment
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        with contextlib.suppress(FileNotFoundError):
            self._temp.unlink()


def _write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False
    ) as temp:
        temp.write(text)
        temp.flush()
        os.fsync(temp.fileno())
    try:
        os.replace(temp.name, path)
    except BaseException:
        Path(temp.name).unlink(missing_ok=True)
        raise


class LocalFolderStore:
    """Attachments in a local folder (shared by the gateway and the intake on one host or a
    shared volume)."""

    def __init__(self, root: Path | str, policy: AttachmentPolicy | None = None) -> None:
        self.root = Path(root)
        self.policy = policy or AttachmentPolicy()

    def begin(
        self, filename: str, content_type: str | None, attachment_id: UUID | None = None
    ) -> AttachmentWriter:
        """Start receiving a file; an unaccepted type is refused before any byte is read.

        A given `attachment_id` (derived from something stable, so a retry writes the same
        file again) replaces a file of that id; without one a new id is drawn.
        """
        name = clean_filename(filename)
        kind = self.policy.content_type(name, content_type)
        return _LocalWriter(self.root, self.policy, name, kind, attachment_id)

    async def put(
        self,
        filename: str,
        content_type: str | None,
        data: bytes,
        attachment_id: UUID | None = None,
    ) -> Attachment:
        name = clean_filename(filename)
        self.policy.check_size(name, len(data))
        self.policy.content_type(name, content_type)  # before touching the disk

        def write() -> Attachment:
            writer = self.begin(filename, content_type, attachment_id)
            writer.write(data)
            return writer.commit()

        return await asyncio.to_thread(write)

    def _paths(self, attachment_id: UUID) -> tuple[Path, Path]:
        text = str(UUID(str(attachment_id)))  # a UUID, never a path someone sent
        folder = self.root / text[:2]
        return folder / text, folder / f"{text}.json"

    async def describe(self, attachment_id: UUID) -> Attachment | None:
        _data, sidecar = self._paths(attachment_id)
        try:
            text = await asyncio.to_thread(sidecar.read_text, "utf-8")
        except FileNotFoundError:
            return None
        return Attachment.model_validate_json(text)

    async def exists(self, attachment_id: UUID) -> bool:
        return await self.describe(attachment_id) is not None

    def delete(self, attachment_id: UUID) -> None:
        """Forget a file no thread names (an upload refused halfway); the sidecar goes first."""
        for path in reversed(self._paths(attachment_id)):
            path.unlink(missing_ok=True)

    async def open(self, attachment_id: UUID) -> tuple[Attachment, AsyncIterator[bytes]]:
        attachment = await self.describe(attachment_id)
        data, _sidecar = self._paths(attachment_id)
        if attachment is None:
            raise AttachmentNotFound(str(attachment_id))
        try:
            handle = await asyncio.to_thread(data.open, "rb")
        except FileNotFoundError:
            raise AttachmentNotFound(str(attachment_id)) from None
        return attachment, _chunks(handle)

    async def read(self, attachment_id: UUID) -> tuple[Attachment, bytes]:
        """The whole file (for small files and tests)."""
        attachment, chunks = await self.open(attachment_id)
        return attachment, b"".join([chunk async for chunk in chunks])


async def _chunks(handle: IO[bytes]) -> AsyncIterator[bytes]:
    try:
        while chunk := await asyncio.to_thread(handle.read, READ_CHUNK):
            yield chunk
    finally:
        handle.close()
