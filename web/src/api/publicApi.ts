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

// --- the knowledge base (published articles only; the API never shows a draft or an archived one) ---

export interface KbCategory {
  category: string;
  articles: number;
}

export interface KbArticleSummary {
  id: string;
  slug: string;
  title: string;
  category: string;
  tags: string[];
  language: string;
  version: number;
  published_at: string | null;
  updated_at: string | null;
  helpful: number;
  unhelpful: number;
}

// One published article: `html` is the body rendered from Markdown and sanitised by the service.
export interface KbArticle extends KbArticleSummary {
  html: string;
}

// A search or suggestion hit: `snippet_html` marks the matched words with <b> (text escaped).
export interface KbHit {
  id: string;
  slug: string;
  title: string;
  category: string;
  language: string;
  score: number;
  snippet: string;
  snippet_html: string;
  url: string;
}

export interface KbVoteResult {
  counted: boolean;
  helpful: number;
  unhelpful: number;
}

export function fetchKbCategories(): Promise<{ items: KbCategory[] }> {
  return requestJson("/api/v1/kb/categories");
}

/** Published articles by title, most recently updated first ("-updated") or most helpful first. */
export type KbArticleOrder = "title" | "-updated" | "-helpful";

export function fetchKbArticles(
  category?: string,
  limit = 100,
  sort: KbArticleOrder = "title",
): Promise<{ items: KbArticleSummary[] }> {
  return requestJson(`/api/v1/kb/articles${queryString({ category, limit: String(limit), sort })}`);
}

export function searchKb(q: string, limit = 10, signal?: AbortSignal): Promise<{ items: KbHit[] }> {
  return requestJson(`/api/v1/kb/articles/search${queryString({ q, limit: String(limit) })}`, { signal });
}

// At most 5 articles for what a customer is typing (free text: any query syntax is ignored).
export function suggestKb(text: string, signal?: AbortSignal): Promise<{ items: KbHit[] }> {
  return requestJson(`/api/v1/kb/articles/suggest${queryString({ q: text, limit: "5" })}`, { signal });
}

export function fetchKbArticle(slug: string): Promise<KbArticle> {
  return requestJson(`/api/v1/kb/articles/${encodeURIComponent(slug)}`);
}

// One vote per visitor per article: a repeat answers 200 with `counted: false` and the same counts.
export function voteKb(slug: string, helpful: boolean, visitor: string): Promise<KbVoteResult> {
  return requestJson(`/api/v1/kb/articles/${encodeURIComponent(slug)}/votes`, {
    method: "POST",
    body: { helpful, visitor },
  });
}

// A deflection signal that must survive the page going away: fetch with keepalive (a JSON body,
// which sendBeacon cannot send as application/json), errors ignored.
export function sendKbDeflection(body: { session_id: string; article?: string; submitted?: boolean }): void {
  try {
    void fetch("/api/v1/kb/deflections", {
      method: "POST",
      keepalive: true,
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }).catch(() => undefined);
  } catch {
    // a browser without fetch keepalive: the signal is lost, never the page
  }
}
