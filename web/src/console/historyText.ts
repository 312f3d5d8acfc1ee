// Readable, translated lines for the history's routing, SLA and automation events; other
// events keep the generic "field: value" line. Times are in the viewer's time zone.
import type { TFunction } from "i18next";

import type { HistoryEntry, SlaTarget } from "../api/types";
import { formatDateTime } from "../components/format";
import { formatDuration } from "./slaTime";

type Change = Record<string, unknown>;

const text = (value: unknown): string => (typeof value === "string" ? value : "");

function target(value: unknown, t: TFunction): string {
  return value === "first_response" || value === "resolution"
    ? t(`sla.target.${value as SlaTarget}`)
    : text(value);
}

function strategy(value: unknown, t: TFunction): string {
  return value === "round_robin" || value === "load_based" ? t(`routing.strategy.${value}`) : text(value);
}

function clockLine(clock: Change, t: TFunction): string {
  const name = target(clock.target, t);
  if (clock.met_at)
    return t("history.events.clockMet", { target: name, at: formatDateTime(text(clock.met_at)) });
  if (!clock.due_at) {
    const left = typeof clock.remaining_s === "number" ? clock.remaining_s : 0;
    return t("history.events.clockPaused", { target: name, time: formatDuration(left, t) });
  }
  return t("history.events.clockDue", {
    target: name,
    at: formatDateTime(text(clock.due_at)),
    policy: text(clock.policy),
  });
}

// The line for an automation event, or null for the events the generic line describes well.
export function describeAutomation(entry: HistoryEntry, t: TFunction): string | null {
  const change = entry.change;
  switch (entry.type) {
    case "ticket.routed":
      return change.matched
        ? t("history.events.routedMatched", {
            queue: text(change.queue),
            rule: text(change.rule),
            matched: text(change.matched),
          })
        : t("history.events.routed", { queue: text(change.queue), rule: text(change.rule) });
    case "ticket.auto_assigned":
      return t("history.events.autoAssigned", {
        assignee: text(change.assignee),
        strategy: strategy(change.strategy, t),
        queue: text(change.queue),
      });
    case "ticket.sla_clocks_set": {
      const clocks = Array.isArray(change.clocks) ? (change.clocks as Change[]) : [];
      return t("history.events.clocksSet", { clocks: clocks.map((c) => clockLine(c, t)).join("; ") });
    }
    case "ticket.sla_warning_issued":
      return t("history.events.warning", {
        target: target(change.target, t),
        at: formatDateTime(text(change.due_at)),
      });
    case "ticket.sla_breached":
      return t("history.events.breached", {
        target: target(change.target, t),
        at: formatDateTime(text(change.due_at)),
      });
    case "ticket.customer_nudged":
      return t("history.events.nudged", {
        why:
          change.kind === "resolved_inactive" || change.kind === "waiting_on_customer"
            ? t(`history.events.nudgeWhy.${change.kind}`)
            : text(change.kind),
        at: formatDateTime(text(change.closes_at)),
      });
    default:
      return null;
  }
}

// A title for the entry: translated for the automation events, the event's name otherwise.
export function automationTitle(type: string, t: TFunction): string | null {
  switch (type) {
    case "ticket.routed":
      return t("history.titles.routed");
    case "ticket.auto_assigned":
      return t("history.titles.autoAssigned");
    case "ticket.sla_clocks_set":
      return t("history.titles.clocksSet");
    case "ticket.sla_warning_issued":
      return t("history.titles.warning");
    case "ticket.sla_breached":
      return t("history.titles.breached");
    case "ticket.customer_nudged":
      return t("history.titles.nudged");
    default:
      return null;
  }
}
