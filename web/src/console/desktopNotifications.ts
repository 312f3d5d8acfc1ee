// Desktop notifications (the browser's Notification API) for new tickets and customer replies.
import { useState } from "react";

export function notificationsSupported(): boolean {
  return typeof window !== "undefined" && "Notification" in window;
}

export function useNotificationPermission(): [NotificationPermission | "unsupported", () => void] {
  const [permission, setPermission] = useState<NotificationPermission | "unsupported">(() =>
    notificationsSupported() ? Notification.permission : "unsupported",
  );
  const ask = () => {
    if (notificationsSupported()) void Notification.requestPermission().then(setPermission);
  };
  return [permission, ask];
}

// Only when the console is not in front: in front, the highlight and the live region say it.
export function notifyDesktop(title: string, body: string, tag: string): void {
  if (!notificationsSupported() || Notification.permission !== "granted" || !document.hidden) return;
  new Notification(title, { body, tag });
}
