// The staff's live feed: keeps cached tickets current, collects new tickets and announces changes.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { renewAccessToken, useSession } from "../api/session";
import type { LiveMessage, NotificationMessage, PresenceActivity, Ticket } from "../api/types";
import { useLiveFeed, type LiveState } from "../live/useLiveFeed";
import { notifyDesktop } from "./desktopNotifications";
import { receiveNotification } from "./NotificationsMenu";
import { recordPresence } from "./presenceStore";
import { LIST_KEY, storeTicket, ticketKey } from "./ticketCache";

const LIST_REFRESH_DELAY_MS = 1200;

export interface ConsoleLive {
  state: LiveState;
  // Tickets submitted since the console opened, newest first.
  arrivals: Ticket[];
  // Tickets with news (new, or a customer's reply) the agent has not opened since.
  highlighted: ReadonlySet<string>;
  markSeen: (ticketId: string) => void;
  announcement: string;
  // Tells the other consoles this agent is viewing, typing on or has left a ticket.
  sendPresence: (ticketId: string, activity: PresenceActivity) => boolean;
}

export function useConsoleLive(): ConsoleLive {
  const { t } = useTranslation();
  const session = useSession();
  const queryClient = useQueryClient();
  const [arrivals, setArrivals] = useState<Ticket[]>([]);
  const [unseen, setUnseen] = useState<ReadonlySet<string>>(new Set());
  const [announcement, setAnnouncement] = useState("");
  const refreshTimer = useRef<number | undefined>(undefined);

  useEffect(() => () => window.clearTimeout(refreshTimer.current), []);

  const onMessage = useCallback(
    (message: LiveMessage) => {
      if (message.type === "ticket.presence") {
        recordPresence(message);
        return;
      }
      const staffOnly = message as LiveMessage | NotificationMessage;
      if (staffOnly.type === "notification") {
        receiveNotification(staffOnly);
        return;
      }
      const ticket = message.ticket;
      const complete = ticket.version === message.version && Boolean(ticket.reference);
      if (complete) storeTicket(queryClient, ticket as Ticket);
      else void queryClient.invalidateQueries({ queryKey: ticketKey(ticket.id) });
      const news =
        message.type === "ticket.new"
          ? t("console.newTicket", { reference: ticket.reference ?? "", subject: ticket.subject ?? "" })
          : message.type === "ticket.reply" && message.message?.from === "customer"
            ? t("console.customerReplied", { reference: ticket.reference ?? "" })
            : null;
      if (message.type === "ticket.new" && complete) {
        setArrivals((old) => [ticket as Ticket, ...old.filter((t) => t.id !== ticket.id)]);
      }
      if (news) {
        setUnseen((old) => new Set(old).add(ticket.id));
        setAnnouncement(news);
        notifyDesktop("Dvika Care", news, ticket.id);
      }
      // Counts and the order of the list come from the server; re-read it once things settle.
      window.clearTimeout(refreshTimer.current);
      refreshTimer.current = window.setTimeout(
        () => void queryClient.invalidateQueries({ queryKey: LIST_KEY }),
        LIST_REFRESH_DELAY_MS,
      );
    },
    [queryClient, t],
  );

  const { state, send } = useLiveFeed({
    path: session ? `/ws?access_token=${encodeURIComponent(session.accessToken)}` : null,
    onMessage,
    onConnected: () => void queryClient.invalidateQueries({ queryKey: LIST_KEY }),
    // A renewed token changes the session, and so the path: the feed reconnects by itself.
    onUnauthorized: async () => {
      await renewAccessToken();
      return null;
    },
  });

  const sendPresence = useCallback(
    (ticketId: string, activity: PresenceActivity) =>
      send(JSON.stringify({ type: "presence", ticket: ticketId, activity })),
    [send],
  );

  return {
    state,
    sendPresence,
    arrivals,
    highlighted: unseen,
    markSeen: (ticketId) =>
      setUnseen((old) => {
        if (!old.has(ticketId)) return old;
        const next = new Set(old);
        next.delete(ticketId);
        return next;
      }),
    announcement,
  };
}
