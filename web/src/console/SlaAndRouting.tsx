// SLA countdown, a coming automatic close, and why routing placed the ticket: each shown once
// the ticket carries it (the SLA and routing services fill them in after submission).
import { useTranslation } from "react-i18next";

import type { Ticket } from "../api/types";
import { formatDateTime } from "../components/format";
import { RoutingReason } from "./RoutingReason";
import { SlaCountdown } from "./SlaCountdown";

export function SlaAndRouting({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation();
  if (!ticket.sla && !ticket.routing && !ticket.nudged) return null;
  return (
    <div className="space-y-3 border-t border-line pt-3">
      {ticket.sla ? <SlaCountdown sla={ticket.sla} /> : null}
      {ticket.nudged ? (
        <p className="rounded-control bg-note p-2 text-sm text-note-ink" data-testid="nudged">
          {t(`nudge.${ticket.nudged.kind}`, { at: formatDateTime(ticket.nudged.closes_at) })}
        </p>
      ) : null}
      {ticket.routing ? <RoutingReason routing={ticket.routing} assignee={ticket.assignee} /> : null}
    </div>
  );
}
