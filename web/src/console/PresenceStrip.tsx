// Which other agents have the open ticket on their screen or are typing on it, announced politely.
import { useTranslation } from "react-i18next";

import type { PresentAgent } from "./presenceStore";

export function PresenceStrip({ others }: { others: PresentAgent[] }) {
  const { t } = useTranslation();
  return (
    <div
      role="status"
      aria-live="polite"
      aria-label={t("presence.label")}
      data-testid="presence-strip"
      className="flex flex-wrap gap-2 empty:hidden"
    >
      {others.map((agent) => (
        <span
          key={agent.id}
          data-agent-id={agent.id}
          data-activity={agent.activity}
          className={`inline-flex items-center gap-1 rounded-pill px-2 py-0.5 text-xs font-medium ${
            agent.activity === "typing" ? "bg-note text-note-ink" : "bg-surface-sunken text-ink-muted"
          }`}
        >
          <span aria-hidden="true">{agent.activity === "typing" ? "✎" : "◉"}</span>
          {t(agent.activity === "typing" ? "presence.typing" : "presence.viewing", { name: agent.name })}
        </span>
      ))}
    </div>
  );
}
