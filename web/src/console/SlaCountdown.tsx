// The SLA block of the detail panel: per target (first response, resolution) its countdown,
// ticking every second, with the colour cue and the state in words (colour is never the only cue).
import { useTranslation } from "react-i18next";

import { SLA_TARGETS, type SlaBlock, type SlaClock, type SlaTarget } from "../api/types";
import { formatDateTime } from "../components/format";
import { slaChipClass } from "../theme/tokens";
import { formatDuration, formatTargetLength, secondsLeft, stateAt } from "./slaTime";
import { useNow } from "./useNow";

export function SlaCountdown({ sla }: { sla: SlaBlock }) {
  const { t } = useTranslation();
  const targets = SLA_TARGETS.filter((target) => sla[target]);
  const running = targets.some((target) => sla[target]?.due_at && !sla[target]?.met_at);
  const now = useNow(1000, running);
  if (targets.length === 0) return null;
  return (
    <div className="space-y-2" role="group" aria-labelledby="sla-title" data-testid="sla-block">
      <h3 id="sla-title" className="text-xs font-semibold uppercase tracking-wide text-ink-muted">
        {t("sla.title")}
      </h3>
      <ul className="grid gap-2 sm:grid-cols-2">
        {targets.map((target) => (
          <ClockCard key={target} target={target} clock={sla[target] as SlaClock} now={now} />
        ))}
      </ul>
    </div>
  );
}

function ClockCard({ target, clock, now }: { target: SlaTarget; clock: SlaClock; now: number }) {
  const { t } = useTranslation();
  const state = stateAt(clock, now);
  const left = secondsLeft(clock, now);
  const mode = clock.business_hours ? t("sla.businessHours") : t("sla.calendarTime");
  return (
    <li
      className={`rounded-control border px-3 py-2 text-sm ${slaChipClass[state]}`}
      data-testid={`sla-${target}`}
      data-state={state}
    >
      <div className="flex items-baseline justify-between gap-2">
        <span className="font-semibold">{t(`sla.target.${target}`)}</span>
        <span className="text-xs font-bold uppercase tracking-wide" data-testid="sla-state">
          {t(`sla.state.${state}`)}
        </span>
      </div>
      {state === "met" ? (
        <p>{t("sla.metAt", { at: formatDateTime(clock.met_at) })}</p>
      ) : state === "paused" ? (
        <p>{left === null ? t("sla.pausedPlain") : t("sla.pausedLeft", { time: formatDuration(left, t) })}</p>
      ) : left !== null ? (
        // A timer the screen reader can read on demand, without announcing every second.
        <p
          role="timer"
          aria-live="off"
          className="font-mono text-base font-semibold"
          data-testid="sla-countdown"
        >
          {left >= 0
            ? t("sla.left", { time: formatDuration(left, t) })
            : t("sla.overdue", { time: formatDuration(left, t) })}
        </p>
      ) : null}
      {clock.due_at && state !== "met" ? (
        <p className="text-xs" data-testid="sla-due">
          {t("sla.due", { at: formatDateTime(clock.due_at) })}
        </p>
      ) : null}
      <p className="text-xs">
        {t("sla.policy", { policy: clock.policy, time: formatTargetLength(clock.target_minutes, t), mode })}
      </p>
      {clock.breached_at ? (
        <p className="text-xs">{t("sla.breachedAt", { at: formatDateTime(clock.breached_at) })}</p>
      ) : clock.warned_at && state !== "met" ? (
        <p className="text-xs">{t("sla.warnedAt", { at: formatDateTime(clock.warned_at) })}</p>
      ) : null}
    </li>
  );
}
