// Who did what and when, from the ticket's events.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { fetchHistory } from "../api/staffApi";
import { formatDateTime, humanize } from "../components/format";
import { automationTitle, describeAutomation } from "./historyText";
import { historyKey } from "./ticketCache";

function describeChange(change: Record<string, unknown>): string {
  return Object.entries(change)
    .filter(([, value]) => value !== null && value !== undefined && value !== "")
    .map(([key, value]) => `${humanize(key)}: ${Array.isArray(value) ? value.join(", ") : String(value)}`)
    .join(" · ");
}

export function HistoryList({ ticketId }: { ticketId: string }) {
  const { t } = useTranslation();
  const history = useQuery({ queryKey: historyKey(ticketId), queryFn: () => fetchHistory(ticketId) });
  if (history.isPending) return <p className="text-sm text-ink-faint">{t("history.loading")}</p>;
  if (history.isError)
    return (
      <p role="alert" className="text-sm text-danger">
        {history.error.message}
      </p>
    );
  return (
    <ol className="space-y-2 text-xs" aria-label={t("history.label")}>
      {history.data.map((entry) => (
        <li key={entry.version} className="border-l-2 border-line-strong pl-2" data-type={entry.type}>
          <div className="font-semibold text-ink">
            {automationTitle(entry.type, t) ?? humanize(entry.type.replace(/^ticket\./, ""))}{" "}
            <span className="font-normal text-ink-faint">
              {t("history.by")} {entry.actor.kind}
              {entry.actor.id ? ` ${entry.actor.id}` : ""} · {formatDateTime(entry.at)}
            </span>
          </div>
          <div className="text-ink-muted" data-testid="history-change">
            {describeAutomation(entry, t) ?? describeChange(entry.change)}
          </div>
        </li>
      ))}
    </ol>
  );
}
