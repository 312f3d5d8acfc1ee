import { useTranslation } from "react-i18next";

import { useNotificationPermission } from "./desktopNotifications";
import { NotificationsMenu } from "./NotificationsMenu";

export function UnreadBadge({ count }: { count: number }) {
  const { t } = useTranslation();
  if (count === 0) return null;
  return (
    <span
      className="rounded-pill bg-brand px-2 py-0.5 text-xs font-semibold text-white"
      data-testid="unread-count"
    >
      {t("console.unread", { count })}
    </span>
  );
}

// The header's alerts: the notifications bell, and the button that allows desktop alerts (shown
// until the browser has been asked).
export function DesktopAlertsButton() {
  const { t } = useTranslation();
  const [permission, ask] = useNotificationPermission();
  return (
    <>
      <NotificationsMenu />
      {permission === "default" ? (
        <button type="button" className="btn-secondary" onClick={ask}>
          {t("console.enableAlerts")}
        </button>
      ) : null}
    </>
  );
}
