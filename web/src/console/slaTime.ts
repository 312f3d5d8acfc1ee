// SLA clocks as the viewer sees them: the state now (a due time can pass between reads),
// countdowns and relative times in the chosen language. Absolute times go through
// formatDateTime, which uses the browser's own time zone.
import type { TFunction } from "i18next";

import type { SlaBlock, SlaClock, SlaState } from "../api/types";
import { SLA_TARGETS } from "../api/types";

// Worst first: the order a ticket's clocks are summed up in.
const SEVERITY: readonly SlaState[] = ["breached", "at_risk", "ok", "paused", "met"];

export function parseTime(iso: string): number {
  // Live messages may carry Python's str(datetime) ("2026-11-25 10:00:00+00:00").
  return new Date(/^\d{4}-\d{2}-\d{2} /.test(iso) ? iso.replace(" ", "T") : iso).getTime();
}

// The server's state, unless the due time has passed since: then it is missed, whether or not
// the SLA service has recorded the breach yet.
export function stateAt(clock: SlaClock, now: number): SlaState {
  if (clock.state === "met" || clock.state === "paused" || clock.state === "breached") return clock.state;
  if (clock.due_at && parseTime(clock.due_at) <= now) return "breached";
  return clock.state;
}

// Seconds to the due time (negative once it passed); a paused clock's frozen remainder.
export function secondsLeft(clock: SlaClock, now: number): number | null {
  if (clock.due_at) return Math.floor((parseTime(clock.due_at) - now) / 1000);
  return clock.remaining_s;
}

export function worstState(block: SlaBlock | null | undefined, now: number): SlaState | null {
  const states = SLA_TARGETS.flatMap((target) => {
    const clock = block?.[target];
    return clock ? [stateAt(clock, now)] : [];
  });
  if (states.length === 0) return null;
  return states.reduce((worst, state) => (SEVERITY.indexOf(state) < SEVERITY.indexOf(worst) ? state : worst));
}

// "2d 03h", "1h 04m 09s", "4m 09s": seconds shown while under a day, so the countdown visibly ticks.
export function formatDuration(totalSeconds: number, t: TFunction): string {
  const s = Math.abs(Math.trunc(totalSeconds));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (days > 0) return t("sla.duration.days", { d: days, h: pad(hours) });
  if (hours > 0) return t("sla.duration.hours", { h: hours, m: pad(minutes), s: pad(seconds) });
  return t("sla.duration.minutes", { m: minutes, s: pad(seconds) });
}

// A policy's target length, to the minute: "2d 00h", "4h 00m", "45m".
export function formatTargetLength(minutes: number, t: TFunction): string {
  const m = Math.max(0, Math.trunc(minutes));
  if (m >= 1440) return formatDuration(m * 60, t);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (m >= 60) return t("sla.duration.hoursOnly", { h: Math.floor(m / 60), m: pad(m % 60) });
  return t("sla.duration.minutesOnly", { m });
}

// "in 25 minutes", "3 hours ago", in the interface's language.
export function formatRelative(iso: string, now: number, language: string): string {
  const seconds = (parseTime(iso) - now) / 1000;
  const abs = Math.abs(seconds);
  const format = new Intl.RelativeTimeFormat(language, { numeric: "auto" });
  if (abs < 60) return format.format(Math.round(seconds), "second");
  if (abs < 3600) return format.format(Math.round(seconds / 60), "minute");
  if (abs < 86_400) return format.format(Math.round(seconds / 3600), "hour");
  return format.format(Math.round(seconds / 86_400), "day");
}
