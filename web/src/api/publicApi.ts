// The customer's side of the API: submit, read with the tracking token, reply.
import { queryString, requestJson } from "./http";
import type { Rating, ReplyCreated, Ticket, TicketChanged, TicketCreate, TicketCreated } from "./types";

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
