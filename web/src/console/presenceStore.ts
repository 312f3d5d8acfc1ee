// Who has a ticket open or is typing on it, from the staff feed's presence signals: kept in memory
// only, per ticket and agent, with the time each signal arrived (this browser's clock, no skew).
import type { PresenceMessage } from "../api/types";

// A console repeats "viewing" every 10 s and "typing" at most every 2 s: silence means gone.
export const VIEWING_TTL_MS = 30_000;
export const TYPING_TTL_MS = 5_000;

interface Heard {
  name: string;
  viewingAt: number;
  typingAt: number;
}

export interface PresentAgent {
  id: string;
  name: string;
  activity: "viewing" | "typing";
}

const tickets = new Map<string, Map<string, Heard>>();
const listeners = new Set<() => void>();
let revision = 0;

export function recordPresence(message: PresenceMessage, now: number = Date.now()): void {
  const agents = tickets.get(message.ticket_id) ?? new Map<string, Heard>();
  if (message.activity === "left") {
    agents.delete(message.agent_id);
  } else {
    const old = agents.get(message.agent_id);
    agents.set(message.agent_id, {
      name: message.agent_name,
      viewingAt: now,
      typingAt: message.activity === "typing" ? now : (old?.typingAt ?? 0),
    });
  }
  if (agents.size) tickets.set(message.ticket_id, agents);
  else tickets.delete(message.ticket_id);
  notify();
}

// Forgets agents whose signals all expired, so an idle console stops ticking.
export function pruneExpired(now: number): void {
  let changed = false;
  for (const [ticketId, agents] of tickets) {
    for (const [id, heard] of agents) {
      if (now - heard.viewingAt >= VIEWING_TTL_MS) {
        agents.delete(id);
        changed = true;
      }
    }
    if (!agents.size) tickets.delete(ticketId);
  }
  if (changed) notify();
}

export function hasPresence(): boolean {
  return tickets.size > 0;
}

function notify(): void {
  revision += 1;
  listeners.forEach((listener) => listener());
}

export function subscribePresence(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function presenceRevision(): number {
  return revision;
}

// The other agents on a ticket at `now`, typing ones first, then by name.
export function presentOn(ticketId: string, myId: string, now: number): PresentAgent[] {
  const present: PresentAgent[] = [];
  for (const [id, heard] of tickets.get(ticketId) ?? []) {
    if (id === myId) continue;
    if (now - heard.typingAt < TYPING_TTL_MS) present.push({ id, name: heard.name, activity: "typing" });
    else if (now - heard.viewingAt < VIEWING_TTL_MS)
      present.push({ id, name: heard.name, activity: "viewing" });
  }
  return present.sort(
    (a, b) =>
      Number(b.activity === "typing") - Number(a.activity === "typing") || a.name.localeCompare(b.name),
  );
}

// Every ticket with another agent on it at `now` (for the table).
export function presentEverywhere(myId: string, now: number): Map<string, PresentAgent[]> {
  const all = new Map<string, PresentAgent[]>();
  for (const ticketId of tickets.keys()) {
    const present = presentOn(ticketId, myId, now);
    if (present.length) all.set(ticketId, present);
  }
  return all;
}
