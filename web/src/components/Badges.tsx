import type { Priority, TicketStatus } from "../api/types";
import { useLabels } from "../i18n/labels";
import { priorityBadgeClass, statusBadgeClass } from "../theme/tokens";

const pill =
  "inline-flex items-center whitespace-nowrap rounded-pill px-2 py-0.5 text-xs font-semibold text-white";

export function StatusBadge({ status }: { status: TicketStatus }) {
  const labels = useLabels();
  return (
    <span className={`${pill} ${statusBadgeClass[status] ?? "bg-ink-muted"}`} data-status={status}>
      {labels.status(status)}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: Priority }) {
  const labels = useLabels();
  return (
    <span className={`${pill} ${priorityBadgeClass[priority] ?? "bg-ink-muted"}`}>
      {labels.priority(priority)}
    </span>
  );
}
