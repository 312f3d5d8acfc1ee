// The customer's side of the API: submit, read with the tracking token, reply.
import { ApiError, queryString, requestJson } from "./http";
import type {
  Attachment,
  Rating,
  ReplyCreated,
  Ticket,
  TicketChanged,
  TicketCreate,
  TicketCreated,
} from "./types";

export function submitTicket(body: TicketCreate, idempotencyKey: string): Promise<TicketCreated> {
  return requestJson("/api/v1/tickets", {
    method: "POST",
    body,
    headers: { "Idempotency-Key": idempotencyKey },
  });
}

export function fetchTrackedTicket(key: string, token: string, minVersion?: number): Promise<Ticket> {
  const query = queryString({ min_version: minVersion ? String(minVersion) : undefined });
  return requestJson(`/api/v1/tickets/${encodeURIComponent(key)}${query}`, {
    headers: { "X-Tracking-Token": token },
  });
}

export function postCustomerReply(ticketId: string, token: string, message: string): Promise<ReplyCreated> {
  return requestJson(`/api/v1/tickets/${ticketId}/reply`, {
    method: "POST",
    body: { from: "customer", message },
    headers: { "X-Tracking-Token": token },
  });
}

// Rate a resolved ticket; rating again replaces it until the ticket closes (409 before and after).
export function rateTicket(
  ticketId: string,
  token: string,
  rating: Rating,
  comment: string | undefined,
): Promise<TicketChanged> {
  return requestJson(`/api/v1/tickets/${ticketId}/rating${queryString({ token })}`, {
    method: "POST",
    body: comment ? { rating, comment } : { rating },
  });
}

// The tracking link on this site's own origin (the API builds it from DVIKA_PUBLIC_URL).
export function localTrackingLink(trackingUrl: string): string {
  const url = new URL(trackingUrl, window.location.origin);
  return `${window.location.origin}${url.pathname}${url.search}`;
}

export function trackingPath(key: string, token: string): string {
  return `/support/track/${encodeURIComponent(key)}?token=${encodeURIComponent(token)}`;
}

// Upload files (multipart field `files`); name the answer's ids in a ticket or a reply.
export async function uploadAttachments(files: File[]): Promise<Attachment[]> {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  let response: Response;
  try {
    response = await fetch("/api/v1/attachments", {
      method: "POST",
      body: form,
      headers: { Accept: "application/json" },
    });
  } catch {
    throw new ApiError(0, "the service cannot be reached; check your connection");
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = (body as { detail?: unknown } | null)?.detail;
    throw new ApiError(
      response.status,
      typeof detail === "string" ? detail : `upload failed (${response.status})`,
    );
  }
  return body as Attachment[];
}

// Where a file of a ticket's thread downloads from; customers add their tracking token.
export function attachmentHref(ticketId: string, attachmentId: string, token?: string): string {
  const path = `/api/v1/tickets/${encodeURIComponent(ticketId)}/attachments/${encodeURIComponent(attachmentId)}`;
  return `${path}${queryString({ token })}`;
}
