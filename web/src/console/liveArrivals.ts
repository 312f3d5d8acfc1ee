// Which live-arrived tickets belong at the top of the list being shown (before the server re-reads it).
import type { TicketListQuery } from "../api/staffApi";
import type { Ticket, TicketSummary, ViewName } from "../api/types";

function listMatches(filter: string | undefined, value: string | null | undefined): boolean {
  if (!filter) return true;
  return filter
    .split(",")
    .map((v) => v.trim())
    .includes(value ?? "");
}

function inDateRange(iso: string, from?: string, to?: string): boolean {
  const day = new Date(/^\d{4}-\d{2}-\d{2} /.test(iso) ? iso.replace(" ", "T") : iso);
  if (from && day < new Date(`${from}T00:00:00`)) return false;
  if (to && day > new Date(`${to}T23:59:59.999`)) return false;
  return true;
}

export function arrivalsForList(
  arrivals: Ticket[],
  query: TicketListQuery,
  shownView: ViewName | undefined,
  firstPage: boolean,
): Ticket[] {
  // Only a brand-new ticket's view is certain: "all" (unassigned, not escalated, no SLA yet).
  if (!firstPage || shownView !== "all" || query.q) return [];
  if (query.sort && query.sort !== "-created") return [];
  return arrivals.filter(
    (t) =>
      listMatches(query.status, t.status) &&
      listMatches(query.priority, t.priority) &&
      listMatches(query.category, t.category) &&
      listMatches(query.queue, t.queue) &&
      listMatches(query.assignee, t.assignee) &&
      inDateRange(t.created_at, query.createdFrom, query.createdTo),
  );
}

// The server's page with the arrivals it does not have yet in front.
export function mergeArrivals(serverItems: TicketSummary[], arrivals: Ticket[]): TicketSummary[] {
  const known = new Set(serverItems.map((t) => t.id));
  return [...arrivals.filter((t) => !known.has(t.id)), ...serverItems];
}
