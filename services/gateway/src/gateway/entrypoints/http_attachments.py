"""Attachments: `POST /api/v1/attachments` (upload) and a ticket's file download.

Uploading is public, like submitting a ticket: the answer's ids are then named in the
ticket's or the reply's `attachments`. The multipart body is parsed as it streams in, each
file written straight to the store, so the limits hold while reading: a file over the size
limit answers 413 as soon as it passes it, a refused type 415 before its bytes are read, and
a file whose first bytes are not the type it claims 415 too. Nothing of a refused upload is
kept.

Downloading needs what reading the ticket needs (staff, or the customer's tracking token),
and the file must be in the thread as the caller sees it: a customer never gets an internal
note's file. Anything else answers 404, like a missing ticket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request, status
from fastapi.responses import StreamingResponse
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect

from contracts.values import Attachment
from gateway.access import CurrentPrincipal
from gateway.domain.ticket_view import public_view, staff_view
from gateway.entrypoints.dependencies import PublicRateLimit, Settings, Store
from gateway.schemas import Problem
from gateway.tracking import token_matches
from kit.attachments import (
    AttachmentNotFound,
    AttachmentPolicy,
    AttachmentRefused,
    AttachmentStore,
    AttachmentWriter,
    LocalFolderStore,
)

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

router = APIRouter(tags=["attachments"])

FILES_FIELD = "files"
# Room for the multipart framing and small form fields around the files themselves.
_FRAMING_BYTES = 64 * 1024
_MAX_FIELD_BYTES = 1024
_REFUSAL_STATUS = {
    "too_large": status.HTTP_413_CONTENT_TOO_LARGE,
    "unsupported_type": status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
    "too_many": status.HTTP_413_CONTENT_TOO_LARGE,
}
_NOT_FOUND = HTTPException(status.HTTP_404_NOT_FOUND, "no such attachment")
# A ticket's id (a UUID) or its public reference (DVK-1234), as GET /api/v1/tickets/{id} takes.
_TicketKey = Annotated[
    str,
    Path(
        pattern=r"^([0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[Dd][Vv][Kk]-[0-9]{1,12})$"
    ),
]


async def _attachment_store(request: Request) -> AttachmentStore:
    """The app's store (`app.state.attachments`), by default a local folder made from the
    settings on first use."""
    store: AttachmentStore | None = getattr(request.app.state, "attachments", None)
    if store is None:
        settings = request.app.state.settings
        policy = AttachmentPolicy(max_bytes=settings.attachment_max_bytes)
        store = LocalFolderStore(settings.attachments_dir, policy)
        request.app.state.attachments = store
    return store


AttachmentFiles = Annotated[AttachmentStore, Depends(_attachment_store)]


async def resolve_attachments(
    files: AttachmentStore, attachment_ids: Iterable[UUID]
) -> tuple[Attachment, ...]:
    """The stored attachments named by a request (in order, each once); 422 for an unknown id."""
    found: list[Attachment] = []
    for attachment_id in dict.fromkeys(attachment_ids):
        attachment = await files.describe(attachment_id)
        if attachment is None:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"unknown attachment {attachment_id}: upload it first (POST /api/v1/attachments)",
            )
        found.append(attachment)
    return tuple(found)


class _Upload:
    """python-multipart callbacks: each part named `files` goes to its own store writer."""

    def __init__(self, files: AttachmentStore) -> None:
        self._files = files
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._writer: AttachmentWriter | None = None
        self._field_bytes = 0
        self.stored: list[Attachment] = []
        self.ended = False

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field_data,
            "on_header_value": self._header_value_data,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._headers = {}
        self._writer = None
        self._field_bytes = 0

    def _header_field_data(self, data: bytes, start: int, end: int) -> None:
        self._header_field += data[start:end]

    def _header_value_data(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._header_field.strip().lower()] = self._header_value.strip()
        self._header_field = self._header_value = b""

    def _headers_finished(self) -> None:
        _kind, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        if options.get(b"name") != FILES_FIELD.encode():
            return  # another field: read and forgotten
        filename = _text(options.get(b"filename", b""))
        if not filename:
            return  # a browser's empty file input
        self._files.policy.check_count(len(self.stored) + 1)
        content_type = _text(self._headers.get(b"content-type", b""))
        self._writer = self._files.begin(filename, content_type)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._writer is not None:
            self._writer.write(data[start:end])
            return
        self._field_bytes += end - start
        if self._field_bytes > _MAX_FIELD_BYTES:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "form field too large")

    def _part_end(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            self.stored.append(writer.commit())

    def _end(self) -> None:
        self.ended = True

    def abandon(self) -> None:
        """Forget everything of a refused upload: the open file and those already stored."""
        if self._writer is not None:
            self._writer.discard()
            self._writer = None
        for attachment in self.stored:
            self._files.delete(attachment.attachment_id)
        self.stored = []


def _text(value: bytes) -> str:
    try:
        return value.decode()
    except UnicodeDecodeError:
        return value.decode("latin-1")


_UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [FILES_FIELD],
                "properties": {
                    FILES_FIELD: {
                        "type": "array",
                        "items": {"type": "string", "format": "binary"},
                        "maxItems": 10,
                    }
                },
            }
        }
    },
}


@router.post(
    "/api/v1/attachments",
    status_code=status.HTTP_201_CREATED,
    dependencies=[PublicRateLimit],
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        413: {"model": Problem, "description": "A file (or the whole upload) is too large"},
        415: {"model": Problem, "description": "A file's type is not accepted"},
        422: {"model": Problem, "description": "No file, or not a multipart/form-data body"},
        429: {"model": Problem, "description": "Too many requests; see Retry-After"},
    },
)
async def upload_attachments(request: Request, files: AttachmentFiles) -> list[Attachment]:
    """Upload one or more files (multipart field `files`); name their ids in a ticket or reply.

    Accepted: PNG, JPEG, GIF and WebP images, PDF, plain text, CSV, zip and Office documents,
    each up to the size limit (10 MiB unless configured), at most 10 at a time.
    """
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"send multipart/form-data with the files in the field `{FILES_FIELD}`",
        )
    policy = files.policy
    body_limit = policy.max_files * (policy.max_bytes + _FRAMING_BYTES)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > body_limit:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "the upload is too large")
    upload = _Upload(files)
    try:
        parser = MultipartParser(boundary, upload.callbacks())
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > body_limit:
                raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "the upload is too large")
            # The parser writes the files: off the event loop.
            await asyncio.to_thread(parser.write, chunk)
        if not upload.ended:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, "the multipart body ends too early"
            )
    except AttachmentRefused as refused:
        upload.abandon()
        raise HTTPException(_REFUSAL_STATUS[refused.kind], refused.reason) from None
    except HTTPException:
        upload.abandon()
        raise
    except ClientDisconnect:
        upload.abandon()
        raise
    except Exception as error:  # python-multipart's parse errors, and anything odd in them
        upload.abandon()
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"malformed multipart body: {error}"
        ) from None
    if not upload.stored:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"no file: send one or more files in the field `{FILES_FIELD}`",
        )
    return upload.stored


@router.get(
    "/api/v1/tickets/{ticket_id}/attachments/{attachment_id}",
    dependencies=[PublicRateLimit],
    response_class=StreamingResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file"},
        401: {"model": Problem, "description": "An Authorization header without a valid token"},
        404: {"model": Problem, "description": "No such file on this ticket for this caller"},
        422: {"model": Problem, "description": "Invalid input, with the field errors"},
        429: {"model": Problem, "description": "Too many requests; see Retry-After"},
    },
)
async def download_attachment(
    ticket_id: _TicketKey,
    attachment_id: UUID,
    store: Store,
    files: AttachmentFiles,
    settings: Settings,
    principal: CurrentPrincipal,
    token: Annotated[str | None, Query(max_length=100)] = None,
    x_tracking_token: Annotated[str | None, Header(max_length=100)] = None,
) -> StreamingResponse:
    """A file of a ticket's thread: staff, or the customer with the ticket's token."""
    view = await store.get(ticket_id)
    if view is None:
        raise _NOT_FOUND
    if principal.is_staff:
        visible = staff_view(view)
    elif token_matches(settings.tracking_key, view["id"], token or x_tracking_token):
        visible = public_view(view)
    else:
        raise _NOT_FOUND
    if not _in_thread(visible, attachment_id):
        raise _NOT_FOUND
    try:
        attachment, chunks = await files.open(attachment_id)
    except AttachmentNotFound:
        raise _NOT_FOUND from None
    headers = {
        "Content-Disposition": content_disposition(attachment.filename),
        "Content-Length": str(attachment.size),
        "X-Content-Type-Options": "nosniff",
        # Even opened in the browser, the file runs nothing and reaches nothing.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
    return StreamingResponse(chunks, media_type=attachment.content_type, headers=headers)


def _in_thread(view: dict[str, Any], attachment_id: UUID) -> bool:
    wanted = str(attachment_id)
    return any(
        str(file.get("attachment_id")) == wanted
        for message in view.get("thread", [])
        for file in message.get("attachments") or []
    )


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the exact UTF-8 one (RFC 6266)."""
    fallback = filename.encode("ascii", "replace").decode().replace('"', "'").replace("\\", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
