// The console's view, filters, sort and open ticket, kept in the URL so a view can be reloaded or shared.
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router";

import type { TicketListQuery } from "../api/staffApi";
import type { SortName, ViewName } from "../api/types";

export const FILTER_KEYS = [
  "status",
  "priority",
  "category",
  "queue",
  "assignee",
  "from",
  "to",
  "q",
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type Filters = Partial<Record<FilterKey, string>>;

export const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 100;
const VIEWS: readonly ViewName[] = ["my_open", "all", "escalations", "sla_breaches"];
const SORTS: readonly SortName[] = ["-created", "created", "-updated", "updated", "priority", "sla_due"];

export interface ConsoleUrlState {
  view: ViewName | undefined;
  filters: Filters;
  sort: SortName;
  openTicketId: string | null;
  listQuery: TicketListQuery;
  // Changes whenever the list it describes changes (not when only the open ticket does).
  listKey: string;
  setView: (view: ViewName | null) => void;
  setFilter: (key: FilterKey, value: string) => void;
  clearFilters: () => void;
  setSort: (sort: SortName) => void;
  openTicket: (id: string | null) => void;
}

export function useConsoleUrlState(): ConsoleUrlState {
  const [params, setParams] = useSearchParams();

  const view = VIEWS.find((name) => name === params.get("view"));
  const sortParam = params.get("sort");
  const sort = SORTS.find((name) => name === sortParam) ?? "-created";
  const filters = useMemo(() => {
    const found: Filters = {};
    for (const key of FILTER_KEYS) {
      const value = params.get(key);
      if (value) found[key] = value;
    }
    return found;
  }, [params]);
  const openTicketId = params.get("ticket");
  const limitParam = Number(params.get("limit"));
  const limit =
    Number.isInteger(limitParam) && limitParam >= 1 && limitParam <= MAX_PAGE_SIZE
      ? limitParam
      : DEFAULT_PAGE_SIZE;

  const update = useCallback(
    (change: (next: URLSearchParams) => void) =>
      setParams(
        (old) => {
          const next = new URLSearchParams(old);
          change(next);
          return next;
        },
        { replace: false },
      ),
    [setParams],
  );

  const listQuery: TicketListQuery = {
    view,
    status: filters.status,
    priority: filters.priority,
    category: filters.category,
    queue: filters.queue,
    assignee: filters.assignee,
    createdFrom: filters.from,
    createdTo: filters.to,
    q: filters.q,
    sort,
    limit,
  };

  return {
    view,
    filters,
    sort,
    openTicketId,
    listQuery,
    listKey: JSON.stringify(listQuery),
    setView: (name) =>
      update((next) => {
        if (name) next.set("view", name);
        else next.delete("view");
      }),
    setFilter: (key, value) =>
      update((next) => {
        if (value) next.set(key, value);
        else next.delete(key);
      }),
    clearFilters: () => update((next) => FILTER_KEYS.forEach((key) => next.delete(key))),
    setSort: (name) => update((next) => next.set("sort", name)),
    openTicket: (id) =>
      update((next) => {
        if (id) next.set("ticket", id);
        else next.delete("ticket");
      }),
  };
}
