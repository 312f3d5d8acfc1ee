// The ticket list: one row per ticket, sortable columns, freshly arrived tickets highlighted.
import type { KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";

import type { SortName, TicketSummary } from "../api/types";
import { PriorityBadge, StatusBadge } from "../components/Badges";
import { formatDateTime } from "../components/format";
import { useLabels } from "../i18n/labels";
import { SlaCell } from "./SlaCell";
import { useNow } from "./useNow";
import { usePresenceEverywhere } from "./usePresence";

interface TicketTableProps {
  tickets: TicketSummary[];
  sort: SortName;
  onSort: (sort: SortName) => void;
  highlighted: ReadonlySet<string>;
  openTicketId: string | null;
  onOpen: (id: string) => void;
  // The signed-in agent, whose own presence the table leaves out.
  myId: string | undefined;
}

// Arrow keys (or j/k) move between rows' reference buttons; Enter opens the ticket.
function moveFocus(event: KeyboardEvent<HTMLButtonElement>) {
  const step =
    event.key === "ArrowDown" || event.key === "j"
      ? 1
      : event.key === "ArrowUp" || event.key === "k"
        ? -1
        : 0;
  if (step === 0) return;
  event.preventDefault();
  const row = event.currentTarget.closest("tr");
  const target = step > 0 ? row?.nextElementSibling : row?.previousElementSibling;
  target?.querySelector<HTMLButtonElement>("button[data-row-button]")?.focus();
}

// Columns the API can sort by, and the sort each click asks for (toggling direction).
const SORTABLE: Record<string, [SortName, SortName]> = {
  created: ["-created", "created"],
  updated: ["-updated", "updated"],
};

function SortHeader({
  label,
  column,
  sort,
  onSort,
}: {
  label: string;
  column: keyof typeof SORTABLE;
  sort: SortName;
  onSort: (s: SortName) => void;
}) {
  const [desc, asc] = SORTABLE[column] ?? ["-created", "created"];
  const state = sort === desc ? "descending" : sort === asc ? "ascending" : "none";
  return (
    <th scope="col" aria-sort={state} className="px-3 py-2 text-left">
      <button
        type="button"
        className="font-semibold uppercase hover:text-brand"
        onClick={() => onSort(sort === desc ? asc : desc)}
      >
        {label} {state === "descending" ? "↓" : state === "ascending" ? "↑" : ""}
      </button>
    </th>
  );
}

export function TicketTable({
  tickets,
  sort,
  onSort,
  highlighted,
  openTicketId,
  onOpen,
  myId,
}: TicketTableProps) {
  const { t } = useTranslation();
  const labels = useLabels();
  const presence = usePresenceEverywhere(myId);
  // Relative SLA times move on by themselves; a coarse tick is enough for "in 25 minutes".
  const now = useNow(15_000);
  return (
    <div className="overflow-x-auto rounded-card border border-line bg-surface-raised">
      <table
        className="min-w-full divide-y divide-line text-sm"
        aria-label={t("table.label")}
        aria-describedby="table-keys"
      >
        <thead className="bg-surface-sunken text-xs uppercase tracking-wide text-ink-muted">
          <tr>
            <th scope="col" className="px-3 py-2 text-left">
              {t("table.reference")}
            </th>
            <th scope="col" className="px-3 py-2 text-left">
              {t("table.subject")}
            </th>
            <th scope="col" className="px-3 py-2 text-left">
              {t("table.customer")}
            </th>
            <th scope="col" className="px-3 py-2 text-left">
              {t("table.status")}
            </th>
            <th
              scope="col"
              aria-sort={sort === "priority" ? "ascending" : "none"}
              className="px-3 py-2 text-left"
            >
              <button
                type="button"
                className="font-semibold uppercase hover:text-brand"
                onClick={() => onSort("priority")}
              >
                {t("table.priority")} {sort === "priority" ? "↑" : ""}
              </button>
            </th>
            <th
              scope="col"
              aria-sort={sort === "sla_due" ? "ascending" : "none"}
              className="px-3 py-2 text-left"
            >
              <button
                type="button"
                className="font-semibold uppercase hover:text-brand"
                onClick={() => onSort("sla_due")}
                data-testid="sort-sla"
              >
                {t("table.sla")} {sort === "sla_due" ? "↑" : ""}
              </button>
            </th>
            <th scope="col" className="px-3 py-2 text-left">
              {t("table.queue")}
            </th>
            <th scope="col" className="px-3 py-2 text-left">
              {t("table.assignee")}
            </th>
            <SortHeader label={t("table.created")} column="created" sort={sort} onSort={onSort} />
            <SortHeader label={t("table.updated")} column="updated" sort={sort} onSort={onSort} />
          </tr>
        </thead>
        <tbody className="divide-y divide-line">
          {tickets.length === 0 ? (
            <tr>
              <td colSpan={10} className="px-3 py-6 text-center text-ink-faint">
                {t("table.empty")}
              </td>
            </tr>
          ) : null}
          {tickets.map((ticket) => {
            const isNew = highlighted.has(ticket.id);
            const isOpen = ticket.id === openTicketId;
            const others = presence.get(ticket.id);
            return (
              <tr
                key={ticket.id}
                data-ticket-id={ticket.id}
                data-highlighted={isNew ? "true" : undefined}
                className={`cursor-pointer hover:bg-surface-sunken ${isNew ? "bg-highlight" : ""} ${isOpen ? "outline outline-2 outline-brand" : ""}`}
                onClick={() => onOpen(ticket.id)}
              >
                <td className="whitespace-nowrap px-3 py-2 font-mono">
                  <button
                    type="button"
                    data-row-button
                    className="font-semibold text-brand underline-offset-2 hover:underline"
                    onKeyDown={moveFocus}
                    onClick={(e) => {
                      e.stopPropagation();
                      onOpen(ticket.id);
                    }}
                  >
                    {ticket.reference}
                  </button>
                  {isNew ? (
                    <span className="ml-2 rounded-pill bg-brand px-1.5 text-xs text-white">
                      {t("table.new")}
                    </span>
                  ) : null}
                </td>
                <td className="max-w-xs px-3 py-2">
                  <div className="truncate">{ticket.subject}</div>
                  {others ? (
                    <div className="truncate text-xs text-note-ink" data-testid="row-presence">
                      {t("presence.inTable", {
                        names: others
                          .map((o) =>
                            o.activity === "typing" ? t("presence.typing", { name: o.name }) : o.name,
                          )
                          .join(", "),
                      })}
                    </div>
                  ) : null}
                </td>
                <td className="px-3 py-2">
                  <div>{ticket.customer?.name}</div>
                  <div className="text-xs text-ink-faint">{ticket.customer?.email}</div>
                </td>
                <td className="px-3 py-2">
                  <StatusBadge status={ticket.status} />
                </td>
                <td className="px-3 py-2">
                  <PriorityBadge priority={ticket.priority} />
                </td>
                <td className="px-3 py-2">
                  <SlaCell ticket={ticket} now={now} />
                </td>
                <td className="px-3 py-2">{ticket.queue ? labels.queue(ticket.queue) : "—"}</td>
                <td className="px-3 py-2">{ticket.assignee ?? "—"}</td>
                <td className="whitespace-nowrap px-3 py-2 text-xs">{formatDateTime(ticket.created_at)}</td>
                <td className="whitespace-nowrap px-3 py-2 text-xs">{formatDateTime(ticket.updated_at)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p id="table-keys" className="sr-only">
        {t("table.keys")}
      </p>
    </div>
  );
}
