// Presence for the open ticket: announce "viewing" (now, every 10 s, after a reconnect, and to any
// agent who just arrived), "left" on closing, throttled "typing"; and who else is there, live.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";

import type { PresenceActivity } from "../api/types";
import type { LiveState } from "../live/useLiveFeed";
import {
  hasPresence,
  presenceRevision,
  pruneExpired,
  presentEverywhere,
  presentOn,
  subscribePresence,
  type PresentAgent,
} from "./presenceStore";

const VIEWING_EVERY_MS = 10_000;
const TYPING_EVERY_MS = 2_000;
const TICK_MS = 1_000;

export type SendPresence = (ticketId: string, activity: PresenceActivity) => boolean;

export interface PresenceLink {
  state: LiveState;
  send: SendPresence;
}

// Re-render on every signal, and each second while anyone is present so that expired signals drop
// out by themselves. A signal counts from the last tick: it expires at most a second late, never
// early. With nobody present the clock stops.
function usePresenceClock(): number {
  useSyncExternalStore(subscribePresence, presenceRevision);
  const active = hasPresence();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => {
      const at = Date.now();
      pruneExpired(at);
      setNow(at);
    }, TICK_MS);
    return () => window.clearInterval(timer);
  }, [active]);
  return now;
}

export function usePresence(ticketId: string, myId: string | undefined, link: PresenceLink) {
  const { state, send } = link;
  const now = usePresenceClock();
  const others: PresentAgent[] = myId ? presentOn(ticketId, myId, now) : [];

  useEffect(() => {
    if (state !== "live") return;
    send(ticketId, "viewing");
    const timer = window.setInterval(() => send(ticketId, "viewing"), VIEWING_EVERY_MS);
    const onLeave = () => send(ticketId, "left");
    window.addEventListener("pagehide", onLeave);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("pagehide", onLeave);
    };
  }, [ticketId, state, send]);
  useEffect(() => () => void send(ticketId, "left"), [ticketId, send]);

  // An agent who just opened the ticket would otherwise wait up to 10 s to see this one.
  const known = useRef<ReadonlySet<string>>(new Set());
  const otherIds = others.map((o) => o.id).join(",");
  useEffect(() => {
    const ids = new Set(otherIds ? otherIds.split(",") : []);
    const arrived = [...ids].some((id) => !known.current.has(id));
    known.current = ids;
    if (arrived) send(ticketId, "viewing");
  }, [otherIds, ticketId, send]);

  const lastTyping = useRef(0);
  const typing = useCallback(() => {
    const at = Date.now();
    if (at - lastTyping.current < TYPING_EVERY_MS) return;
    if (send(ticketId, "typing")) lastTyping.current = at;
  }, [ticketId, send]);

  return { others, typing };
}

// Every ticket with another agent on it, for the table.
export function usePresenceEverywhere(myId: string | undefined): Map<string, PresentAgent[]> {
  const now = usePresenceClock();
  return myId ? presentEverywhere(myId, now) : new Map<string, PresentAgent[]>();
}
