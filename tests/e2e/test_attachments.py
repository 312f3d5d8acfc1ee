"""Attachments end to end: upload, name in a ticket or reply, read the thread, download.

The stack's gateway keeps files in `DVIKA_ATTACHMENTS_DIR` (tests/conftest.py); uploads are
public, downloads need the ticket's tracking token or a staff login, and only files the
caller's view of the thread names are served.
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
import pytest

from conftest import Stack, bearer
from support.tickets import submit_ticket
from support.waiting import eventually

pytestmark = [pytest.mark.kafka, pytest.mark.mongo]

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.7\n" + b"report " * 3000
LIMIT = 10 * 1024 * 1024


async def _upload(client: httpx.AsyncClient, *files: tuple[str, bytes, str]) -> httpx.Response:
    return await client.post("/api/v1/attachments", files=[("files", file) for file in files])


async def _uploaded(client: httpx.AsyncClient, *files: tuple[str, bytes, str]) -> list[Any]:
    response = await _upload(client, *files)
    assert response.status_code == 201, response.text
    stored: list[Any] = response.json()
    return stored


def _files_of(ticket: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        file["attachment_id"]: file
        for message in ticket["thread"]
        for file in message.get("attachments") or []
    }


async def test_a_customer_attaches_files_and_both_sides_download_them(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        png, pdf = await _uploaded(
            client,
            ("screen shot.png", PNG, "image/png"),
            ("Bericht für Mai.pdf", PDF, "application/pdf"),
        )
        assert png["size"] == len(PNG)
        assert png["sha256"] == hashlib.sha256(PNG).hexdigest()
        assert pdf["content_type"] == "application/pdf"

        ticket = await submit_ticket(
            client, "Screen goes blank", attachments=[png["attachment_id"], pdf["attachment_id"]]
        )
        tid, token = ticket["id"], ticket["tracking_token"]
        read = await client.get(
            f"/api/v1/tickets/{tid}", params={"token": token, "min_version": ticket["version"]}
        )
        assert read.status_code == 200, read.text
        listed = read.json()["thread"][0]["attachments"]
        assert [f["filename"] for f in listed] == ["screen shot.png", "Bericht für Mai.pdf"]
        assert listed[0] == {
            k: png[k] for k in ("attachment_id", "filename", "content_type", "size")
        }

        path = f"/api/v1/tickets/{tid}/attachments/{png['attachment_id']}"
        as_customer = await client.get(path, params={"token": token})
        assert as_customer.status_code == 200, as_customer.text
        assert as_customer.content == PNG
        assert as_customer.headers["content-type"] == "image/png"
        assert as_customer.headers["x-content-type-options"] == "nosniff"
        assert as_customer.headers["content-disposition"].startswith("attachment;")
        assert "filename*=UTF-8''screen%20shot.png" in as_customer.headers["content-disposition"]
        by_header = await client.get(path, headers={"X-Tracking-Token": token})
        assert by_header.content == PNG

        pdf_path = f"/api/v1/tickets/{ticket['reference']}/attachments/{pdf['attachment_id']}"
        as_staff = await client.get(pdf_path, headers=agent)
        assert as_staff.status_code == 200
        assert as_staff.content == PDF
        assert (
            "filename*=UTF-8''Bericht%20f%C3%BCr%20Mai.pdf"
            in as_staff.headers["content-disposition"]
        )

        # No token, a wrong token: like a missing ticket.
        assert (await client.get(path)).status_code == 404
        assert (await client.get(path, params={"token": "wrong"})).status_code == 404


async def test_a_note_s_file_is_staff_only_and_a_reply_s_file_is_shared(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        ticket = await submit_ticket(client, "Invoice wrong")
        tid, token = ticket["id"], ticket["tracking_token"]
        [note_file] = await _uploaded(
            client, ("internal.txt", b"customer owes 12 EUR\n", "text/plain")
        )
        [reply_file] = await _uploaded(client, ("steps.csv", b"step,done\n1,yes\n", "text/csv"))
        note = await client.post(
            f"/api/v1/tickets/{tid}/reply",
            headers=agent,
            json={"from": "agent", "message": "See file", "internal": True,
                  "attachments": [note_file["attachment_id"]]},
        )  # fmt: skip
        assert note.status_code == 201, note.text
        reply = await client.post(
            f"/api/v1/tickets/{tid}/reply",
            params={"token": token},
            json={
                "from": "customer",
                "message": "My steps",
                "attachments": [reply_file["attachment_id"]],
            },
        )
        assert reply.status_code == 201, reply.text
        version = reply.json()["version"]

        staff = (
            await client.get(f"/api/v1/tickets/{tid}?min_version={version}", headers=agent)
        ).json()
        assert set(_files_of(staff)) == {note_file["attachment_id"], reply_file["attachment_id"]}
        customer = (await client.get(f"/api/v1/tickets/{tid}", params={"token": token})).json()
        assert set(_files_of(customer)) == {reply_file["attachment_id"]}

        note_path = f"/api/v1/tickets/{tid}/attachments/{note_file['attachment_id']}"
        assert (await client.get(note_path, params={"token": token})).status_code == 404
        assert (await client.get(note_path, headers=agent)).content == b"customer owes 12 EUR\n"
        reply_path = f"/api/v1/tickets/{tid}/attachments/{reply_file['attachment_id']}"
        assert (await client.get(reply_path, params={"token": token})).status_code == 200


async def test_a_merged_ticket_s_files_move_with_its_thread(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    agent = bearer(staff_tokens["agent"])
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        [shot] = await _uploaded(client, ("again.png", PNG, "image/png"))
        duplicate = await submit_ticket(
            client, "Blank screen again", attachments=[shot["attachment_id"]]
        )
        target = await submit_ticket(client, "Blank screen")
        await client.get(f"/api/v1/tickets/{duplicate['id']}?min_version=1", headers=agent)
        merged = await client.post(
            f"/api/v1/tickets/{duplicate['id']}/merge", json={"into": target["id"]}, headers=agent
        )
        assert merged.status_code == 200, merged.text
        path = f"/api/v1/tickets/{target['id']}/attachments/{shot['attachment_id']}"

        async def served_through_the_target() -> bool:
            answer = await client.get(path, params={"token": target["tracking_token"]})
            return answer.status_code == 200 and answer.content == PNG

        await eventually(served_through_the_target, timeout_s=20, what="the moved file")
        staff = (await client.get(f"/api/v1/tickets/{target['id']}", headers=agent)).json()
        moved = [m for m in staff["thread"] if m.get("merged_from") == duplicate["reference"]]
        assert [f["filename"] for m in moved for f in m.get("attachments") or []] == ["again.png"]


async def test_another_ticket_s_file_is_not_served_through_this_ticket(
    stack: Stack, staff_tokens: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=15) as client:
        [theirs] = await _uploaded(client, ("secret.png", PNG, "image/png"))
        other = await submit_ticket(client, "Theirs", attachments=[theirs["attachment_id"]])
        mine = await submit_ticket(client, "Mine")
        await client.get(
            f"/api/v1/tickets/{other['id']}?min_version=1", headers=bearer(staff_tokens["agent"])
        )
        path = f"/api/v1/tickets/{mine['id']}/attachments/{theirs['attachment_id']}"
        assert (await client.get(path, params={"token": mine["tracking_token"]})).status_code == 404
        assert (await client.get(path, headers=bearer(staff_tokens["agent"]))).status_code == 404
        # Uploaded but never named in a thread: not served either.
        [loose] = await _uploaded(client, ("loose.txt", b"hi\n", "text/plain"))
        loose_path = f"/api/v1/tickets/{mine['id']}/attachments/{loose['attachment_id']}"
        assert (
            await client.get(loose_path, params={"token": mine["tracking_token"]})
        ).status_code == 404


async def test_uploads_that_break_the_limits_are_refused_with_the_reason(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as client:
        too_big = await _upload(client, ("big.txt", b"a" * (LIMIT + 1), "text/plain"))
        assert too_big.status_code == 413
        assert "larger than the limit of 10 MiB" in too_big.json()["detail"]

        forged = await _upload(client, ("cat.png", b"<script>alert(1)</script>" * 50, "image/png"))
        assert forged.status_code == 415
        assert "not image/png" in forged.json()["detail"]

        html = await _upload(client, ("page.html", b"<p>hi</p>", "text/html"))
        assert html.status_code == 415
        assert "text/html" in html.json()["detail"]

        nothing = await client.post("/api/v1/attachments", files={"other": ("a.txt", b"x")})
        assert nothing.status_code == 422
        assert "no file" in nothing.json()["detail"]

        too_many = await _upload(client, *[(f"{n}.txt", b"x\n", "text/plain") for n in range(11)])
        assert too_many.status_code == 413
        assert "at most 10" in too_many.json()["detail"]

        # A ticket naming a file nobody uploaded is refused, and nothing is made.
        refused = await client.post(
            "/api/v1/tickets",
            json={"customer": {"name": "Lin", "email": "lin@example.com"}, "subject": "x",
                  "message": "y", "attachments": ["00000000-0000-4000-8000-000000000000"]},
        )  # fmt: skip
        assert refused.status_code == 422
        assert "unknown attachment" in refused.json()["detail"]
        eleven = await client.post(
            "/api/v1/tickets",
            json={"customer": {"name": "Lin", "email": "lin@example.com"}, "subject": "x",
                  "message": "y", "attachments": [str(n).zfill(32) for n in range(11)]},
        )  # fmt: skip
        assert eleven.status_code == 422
