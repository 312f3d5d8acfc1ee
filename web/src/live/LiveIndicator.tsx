import { useTranslation } from "react-i18next";

import type { LiveState } from "./useLiveFeed";

const DOT: Record<LiveState, string> = {
  live: "bg-success",
  connecting: "bg-sla-at_risk",
  offline: "bg-danger",
};

export function LiveIndicator({ state }: { state: LiveState }) {
  const { t } = useTranslation();
  return (
    <span
      className="inline-flex items-center gap-1 text-xs text-ink-muted"
      data-testid="live-state"
      data-state={state}
    >
      <span aria-hidden="true" className={`h-2 w-2 rounded-pill ${DOT[state]}`} />
      {t(`common.live.${state}`)}
    </span>
  );
}
