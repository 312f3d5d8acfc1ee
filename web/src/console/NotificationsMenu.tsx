// The console's bell: the signed-in staff member's notifications (notify's feed, through the
// gateway's /api/v1/notifications) with the unread count, a dropdown of items that open their
// ticket, and "mark all read". New items arrive live as `notification` messages on the staff
// WebSocket (handed here by useConsoleLive), each also shown as a desktop notification.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { fetchNotifications, markNotificationsRead } from "../api/staffApi";
import type { ConsoleNotification, NotificationFeed, NotificationMessage } from "../api/types";
import { notifyDesktop } from "./desktopNotifications";

export const NOTIFICATIONS_KEY = ["notifications"] as const;
// As many as the gateway lists by default.
const SHOWN = 50;
// A console that missed a push (its socket was down) catches up at least this often.
const REFETCH_MS = 60_000;

const listeners = new Set<(message: NotificationMessage) => void>();

// Called by the console's live feed for each `notification` message: notify publishes an item
// once, when it is new, so each call is news.
export function receiveNotification(message: NotificationMessage): void {
  // Tagged by ticket: the live feed's own alert for a customer's reply is replaced, not doubled.
  notifyDesktop("Dvika Care", message.item.text, message.item.ticket_id);
  listeners.forEach((listener) => listener(message));
}

// The feed with a pushed item on top (once, by key) and the count notify sent with it.
export function withPushed(
  feed: NotificationFeed | undefined,
  message: NotificationMessage,
): NotificationFeed {
  const items = feed?.items ?? [];
  if (items.some((item) => item.key === message.item.key)) return { items, unread: message.unread };
  return { items: [message.item, ...items].slice(0, SHOWN), unread: message.unread };
}

function markedRead(feed: NotificationFeed | undefined, keys: string[] | undefined, unread: number) {
  if (!feed) return feed;
  const items = feed.items.map((item) => (!keys || keys.includes(item.key) ? { ...item, read: true } : item));
  return { items, unread };
}

function BellIcon() {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 24 24"
      className="h-5 w-5"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
    >
      <path d="M6 8a6 6 0 1 1 12 0c0 7 3 9 3 9H3s3-2 3-9" strokeLinecap="round" strokeLinejoin="round" />
      <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

export function NotificationsMenu() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const root = useRef<HTMLDivElement>(null);
  const feed = useQuery({
    queryKey: NOTIFICATIONS_KEY,
    queryFn: fetchNotifications,
    refetchInterval: REFETCH_MS,
    retry: 1,
  });

  useEffect(() => {
    const onPush = (message: NotificationMessage) =>
      queryClient.setQueryData<NotificationFeed>(NOTIFICATIONS_KEY, (old) => withPushed(old, message));
    listeners.add(onPush);
    return () => {
      listeners.delete(onPush);
    };
  }, [queryClient]);

  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  const markRead = useMutation({
    mutationFn: (keys?: string[]) => markNotificationsRead(keys),
    onSuccess: ({ unread }, keys) =>
      queryClient.setQueryData<NotificationFeed>(NOTIFICATIONS_KEY, (old) => markedRead(old, keys, unread)),
  });

  const unread = feed.data?.unread ?? 0;
  const items = feed.data?.items ?? [];
  const time = new Intl.DateTimeFormat(i18n.language, { dateStyle: "short", timeStyle: "short" });

  const openItem = (item: ConsoleNotification) => {
    setOpen(false);
    if (!item.read) markRead.mutate([item.key]);
  };

  return (
    <div ref={root} className="relative" data-testid="notifications">
      <button
        type="button"
        className="relative rounded-control p-1.5 text-ink-muted hover:text-ink"
        aria-label={t("notifications.bell", { count: unread })}
        aria-haspopup="true"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((was) => !was)}
      >
        <BellIcon />
        {unread > 0 ? (
          <span
            className="absolute -right-1 -top-1 min-w-[1.25rem] rounded-pill bg-brand px-1 text-center text-xs font-semibold text-white"
            data-testid="notifications-unread"
          >
            {unread > 99 ? "99+" : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <div
          id={menuId}
          className="absolute right-0 z-30 mt-2 w-80 rounded-card border border-line bg-surface-raised shadow-2xl"
        >
          <div className="flex items-center justify-between border-b border-line px-3 py-2">
            <h2 className="text-sm font-semibold text-ink">{t("notifications.title")}</h2>
            <button
              type="button"
              className="text-xs font-medium text-brand-dark underline disabled:opacity-50"
              disabled={unread === 0 || markRead.isPending}
              onClick={() => markRead.mutate(undefined)}
            >
              {t("notifications.markAllRead")}
            </button>
          </div>
          {feed.isError ? (
            <p role="alert" className="p-3 text-sm text-danger">
              {t("notifications.unavailable", { reason: feed.error.message })}
            </p>
          ) : feed.isPending ? (
            <p className="p-3 text-sm text-ink-muted">{t("common.loading")}</p>
          ) : items.length === 0 ? (
            <p className="p-3 text-sm text-ink-muted">{t("notifications.empty")}</p>
          ) : (
            <ul className="max-h-96 divide-y divide-line overflow-y-auto" data-testid="notifications-list">
              {items.map((item) => (
                <li key={item.key} data-kind={item.kind} data-read={item.read}>
                  <Link
                    to={`/admin?ticket=${encodeURIComponent(item.ticket_id)}`}
                    className={`block px-3 py-2 text-sm hover:bg-surface ${item.read ? "text-ink-muted" : "text-ink"}`}
                    onClick={() => openItem(item)}
                  >
                    <span className="flex items-center justify-between gap-2 text-xs">
                      <span className="font-semibold">
                        {t(`notifications.kind.${item.kind}`, { defaultValue: item.kind })}
                      </span>
                      <time dateTime={item.created_at}>{time.format(new Date(item.created_at))}</time>
                    </span>
                    <span className="block">
                      {item.read ? null : <span className="sr-only">{t("notifications.unread")}: </span>}
                      {item.text}
                    </span>
                    <span className="block truncate text-xs text-ink-muted">
                      {item.reference} · {item.subject}
                    </span>
                  </Link>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}
