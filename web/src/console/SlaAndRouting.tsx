// SLA countdown and routing reason: shown only once the ticket carries these fields (routing/SLA issue).
import type { TFunction } from "i18next";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import type { Ticket } from "../api/types";
import { slaCueClass } from "../theme/tokens";

function remaining(dueAt: string, now: number, t: TFunction): string {
  const minutes = Math.round((new Date(dueAt).getTime() - now) / 60_000);
  const abs = Math.abs(minutes);
  const time = `${Math.floor(abs / 60)}h ${abs % 60}m`;
  return minutes < 0 ? t("panel.overdue", { time }) : time;
}

export function SlaAndRouting({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticket.sla_due_at) return;
    const timer = window.setInterval(() => setNow(Date.now()), 30_000);
    return () => window.clearInterval(timer);
  }, [ticket.sla_due_at]);
  if (!ticket.sla_due_at && !ticket.routing_reason) return null;
  return (
    <div className="space-y-1 text-sm">
      {ticket.sla_due_at ? (
        <p className={slaCueClass[ticket.sla_state ?? "ok"]}>
          {t("panel.sla", { remaining: remaining(ticket.sla_due_at, now, t) })}
        </p>
      ) : null}
      {ticket.routing_reason ? (
        <p className="text-ink-muted">{t("panel.routed", { reason: ticket.routing_reason })}</p>
      ) : null}
    </div>
  );
}
