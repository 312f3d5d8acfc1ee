// The table's SLA cue: when the earliest running target falls due, relative to now, coloured and
// worded by the worst clock (breached, at risk, on track; met and paused plainly).
import { useTranslation } from "react-i18next";

import type { TicketSummary } from "../api/types";
import { formatDateTime } from "../components/format";
import { slaCueClass } from "../theme/tokens";
import { formatRelative, worstState } from "./slaTime";

export function SlaCell({ ticket, now }: { ticket: TicketSummary; now: number }) {
  const { t, i18n } = useTranslation();
  const state = worstState(ticket.sla, now) ?? (ticket.sla_breached ? "breached" : null);
  if (!state && !ticket.sla_due) return <span className="text-ink-faint">—</span>;
  const cue = state ?? "ok";
  return (
    <span
      className={`block whitespace-nowrap text-xs ${slaCueClass[cue]}`}
      data-testid="row-sla"
      data-state={cue}
      title={ticket.sla_due ? formatDateTime(ticket.sla_due) : undefined}
    >
      <span className="font-semibold">{t(`sla.state.${cue}`)}</span>
      {ticket.sla_due ? (
        <span className="block">{formatRelative(ticket.sla_due, now, i18n.language)}</span>
      ) : null}
    </span>
  );
}
