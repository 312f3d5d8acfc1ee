// The agents' side of the API.
import { queryString } from "./http";
import { staffRequest } from "./session";
import type {
  Account,
  AdminArticle,
  ArticleChanged,
  ArticleDraft,
  ArticleHit,
  ArticleListItem,
  ArticleStatus,
  DeflectionRate,
  HistoryEntry,
  KbSuggestion,
  KbSuggestionCreate,
  Macro,
  NotificationFeed,
  OpsSummary,
  Priority,
  ReplyCreated,
  Report,
  ReportMetric,
  SimilarTicket,
  SortName,
  Ticket,
  TicketChanged,
  TicketPage,
  TicketStatus,
  ViewName,
} from "./types";

export interface TicketListQuery {
  view?: ViewName;
  status?: string;
  priority?: string;
  category?: string;
  queue?: string;
  assignee?: string;
  createdFrom?: string; // yyyy-mm-dd
  createdTo?: string;
  q?: string;
  sort?: SortName;
  cursor?: string;
  limit?: number;
}

function startOfDay(date: string | undefined): string | undefined {
  return date ? new Date(`${date}T00:00:00`).toISOString() : undefined;
}

function endOfDay(date: string | undefined): string | undefined {
  return date ? new Date(`${date}T23:59:59.999`).toISOString() : undefined;
}

export function fetchMe(): Promise<Account> {
  return staffRequest("/api/v1/auth/me");
}

// Available or away for automatic assignment; answers the account as it now is.
export function setAvailability(available: boolean): Promise<Account> {
  return staffRequest("/api/v1/me/availability", { method: "PUT", body: { available } });
}

export function fetchTicketPage(query: TicketListQuery): Promise<TicketPage> {
  const search = queryString({
    view: query.view,
    status: query.status,
    priority: query.priority,
    category: query.category,
    queue: query.queue,
    assignee: query.assignee,
    created_from: startOfDay(query.createdFrom),
    created_to: endOfDay(query.createdTo),
    q: query.q,
    sort: query.sort,
    cursor: query.cursor,
    limit: query.limit ? String(query.limit) : undefined,
  });
  return staffRequest(`/api/v1/tickets${search}`);
}

export function fetchStaffTicket(id: string, minVersion?: number): Promise<Ticket> {
  const search = queryString({ min_version: minVersion ? String(minVersion) : undefined });
  return staffRequest(`/api/v1/tickets/${encodeURIComponent(id)}${search}`);
}

export async function fetchHistory(id: string): Promise<HistoryEntry[]> {
  const page = await staffRequest<{ items: HistoryEntry[] }>(`/api/v1/tickets/${id}/history`);
  return page.items;
}

export function postAgentReply(id: string, message: string, internal: boolean): Promise<ReplyCreated> {
  return staffRequest(`/api/v1/tickets/${id}/reply`, {
    method: "POST",
    body: { from: "agent", message, internal },
  });
}

export function changeStatus(id: string, status: TicketStatus, reason?: string): Promise<TicketChanged> {
  return staffRequest(`/api/v1/tickets/${id}/status`, {
    method: "PATCH",
    body: reason ? { status, reason } : { status },
  });
}

export interface TicketFieldsUpdate {
  priority?: Priority;
  category?: string;
  add_tags?: string[];
  remove_tags?: string[];
}

export function updateTicket(id: string, body: TicketFieldsUpdate): Promise<TicketChanged> {
  return staffRequest(`/api/v1/tickets/${id}`, { method: "PATCH", body });
}

export function assignTicket(
  id: string,
  body: { assignee?: string; queue?: string },
): Promise<TicketChanged> {
  return staffRequest(`/api/v1/tickets/${id}/assign`, { method: "PATCH", body });
}

export function unassignTicket(id: string): Promise<TicketChanged> {
  return staffRequest(`/api/v1/tickets/${id}/assign`, { method: "DELETE" });
}

export function mergeTicket(id: string, into: string): Promise<TicketChanged> {
  return staffRequest(`/api/v1/tickets/${id}/merge`, { method: "POST", body: { into } });
}

export function escalateTicket(
  id: string,
  reason: string,
  tier: "L2" | "engineering",
): Promise<TicketChanged> {
  return staffRequest(`/api/v1/tickets/${id}/escalate`, { method: "POST", body: { reason, tier } });
}

// Macros: the shared ones and the caller's own; applying one changes the ticket in one step
// (or not at all: 409 with the refused step).
export function fetchMacros(): Promise<Macro[]> {
  return staffRequest("/api/v1/macros");
}

export function applyMacro(ticketId: string, macroId: string): Promise<TicketChanged> {
  return staffRequest(
    `/api/v1/tickets/${encodeURIComponent(ticketId)}/macros/${encodeURIComponent(macroId)}`,
    { method: "POST" },
  );
}

export interface ReportQuery {
  from?: string; // yyyy-mm-dd, local days of the team's time zone
  to?: string;
  groupBy?: string;
  interval?: string;
  clock?: "calendar" | "business"; // first_response_time and resolution_time only
}

export function reportPath(metric: ReportMetric, query: ReportQuery, format?: "csv"): string {
  const search = queryString({
    from: query.from,
    to: query.to,
    group_by: query.groupBy,
    interval: query.interval,
    clock: query.clock,
    format,
  });
  return `/api/v1/reports/${metric}${search}`;
}

export function fetchReport(metric: ReportMetric, query: ReportQuery): Promise<Report> {
  return staffRequest(reportPath(metric, query));
}

export function fetchOpsSummary(): Promise<OpsSummary> {
  return staffRequest("/api/v1/ops/summary");
}

// The signed-in staff member's console notifications, newest first, with the unread count.
export function fetchNotifications(): Promise<NotificationFeed> {
  return staffRequest("/api/v1/notifications");
}

// Marks the items with these keys read, or all of them without keys; answers the unread count.
export function markNotificationsRead(keys?: string[]): Promise<{ unread: number }> {
  return staffRequest("/api/v1/notifications/read", { method: "POST", body: keys ? { keys } : {} });
}

// The knowledge base (/api/v1/kb/…): published articles for anyone, the rest for staff, and
// /admin/… for editors (editor, manager and admin roles).
const KB = "/api/v1/kb";

export async function searchArticles(q: string, limit = 8, signal?: AbortSignal): Promise<ArticleHit[]> {
  const page = await staffRequest<{ items: ArticleHit[] }>(
    `${KB}/articles/search${queryString({ q, limit: String(limit) })}`,
    { signal },
  );
  return page.items;
}

// At most 5 published articles for free text (any words; search syntax ignored).
export async function suggestArticles(q: string, signal?: AbortSignal): Promise<ArticleHit[]> {
  const page = await staffRequest<{ items: ArticleHit[] }>(
    `${KB}/articles/suggest${queryString({ q, limit: "5" })}`,
    { signal },
  );
  return page.items;
}

export async function fetchPublishedArticles(limit = 20): Promise<ArticleListItem[]> {
  const page = await staffRequest<{ items: ArticleListItem[] }>(
    `${KB}/articles${queryString({ limit: String(limit) })}`,
  );
  return page.items;
}

// Up to 5 earlier tickets most like this one; 404 while the knowledge service has not seen it.
export async function fetchSimilarTickets(ticketId: string): Promise<SimilarTicket[]> {
  const page = await staffRequest<{ items: SimilarTicket[] }>(
    `${KB}/similar-tickets/${encodeURIComponent(ticketId)}?limit=5`,
  );
  return page.items;
}

// "Flag as outdated" or "Suggest a new article", linked to the ticket that raised it.
export function postKbSuggestion(body: KbSuggestionCreate): Promise<{ id: string; status: string }> {
  return staffRequest(`${KB}/suggestions`, { method: "POST", body });
}

export async function fetchKbSuggestions(status: "open" | "done" = "open"): Promise<KbSuggestion[]> {
  const page = await staffRequest<{ items: KbSuggestion[] }>(
    `${KB}/admin/suggestions${queryString({ status, limit: "200" })}`,
  );
  return page.items;
}

export function closeKbSuggestion(id: string): Promise<KbSuggestion> {
  return staffRequest(`${KB}/admin/suggestions/${encodeURIComponent(id)}/close`, { method: "POST" });
}

export function fetchDeflectionRate(): Promise<DeflectionRate> {
  return staffRequest(`${KB}/deflection-rate`);
}

export async function fetchAdminArticles(status?: ArticleStatus): Promise<AdminArticle[]> {
  const page = await staffRequest<{ items: AdminArticle[] }>(
    `${KB}/admin/articles${queryString({ status, limit: "200" })}`,
  );
  return page.items;
}

export function createArticleDraft(body: ArticleDraft): Promise<ArticleChanged> {
  return staffRequest(`${KB}/admin/articles`, { method: "POST", body });
}

// `version` is the one read: 409 when someone changed the article since.
export function publishArticle(id: string, version: number): Promise<ArticleChanged> {
  return staffRequest(`${KB}/admin/articles/${encodeURIComponent(id)}/publish`, {
    method: "POST",
    body: { version },
  });
}

export function archiveArticle(id: string, version: number): Promise<ArticleChanged> {
  return staffRequest(`${KB}/admin/articles/${encodeURIComponent(id)}/archive`, {
    method: "POST",
    body: { version },
  });
}
