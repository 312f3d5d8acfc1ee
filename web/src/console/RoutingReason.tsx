// "Why routing placed it": the rule that fired, the word it matched, the queue, and how an
// agent was picked (round robin or by load), from the ticket's `routing` block.
import { useTranslation } from "react-i18next";

import type { Routing } from "../api/types";
import { formatDateTime } from "../components/format";
import { useLabels } from "../i18n/labels";

export function RoutingReason({ routing, assignee }: { routing: Routing; assignee: string | null }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const strategy = routing.strategy ? t(`routing.strategy.${routing.strategy}`) : null;
  const movedSince = routing.assignee !== null && assignee !== routing.assignee;
  return (
    <div className="space-y-1" role="group" aria-labelledby="routing-title" data-testid="routing-why">
      <h3 id="routing-title" className="text-xs font-semibold uppercase tracking-wide text-ink-muted">
        {t("routing.title")}
      </h3>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
        <dt className="text-ink-faint">{t("routing.rule")}</dt>
        <dd className="font-mono" data-testid="routing-rule">
          {routing.rule ?? t("routing.noRule")}
        </dd>
        <dt className="text-ink-faint">{t("routing.matched")}</dt>
        <dd data-testid="routing-matched">
          {routing.matched ? `“${routing.matched}”` : t("routing.noMatch")}
        </dd>
        <dt className="text-ink-faint">{t("routing.queue")}</dt>
        <dd data-testid="routing-queue">{labels.queue(routing.queue)}</dd>
        <dt className="text-ink-faint">{t("routing.assignment")}</dt>
        <dd data-testid="routing-strategy" data-strategy={routing.strategy ?? ""}>
          {routing.assignee && strategy
            ? t("routing.autoAssigned", { assignee: routing.assignee, strategy })
            : t("routing.notAutoAssigned")}
          {movedSince ? (
            <span className="block text-xs text-ink-faint">{t("routing.reassigned")}</span>
          ) : null}
        </dd>
      </dl>
      <p className="text-xs text-ink-faint">{t("routing.at", { at: formatDateTime(routing.at) })}</p>
    </div>
  );
}
