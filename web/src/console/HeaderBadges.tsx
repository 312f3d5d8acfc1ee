import { useTranslation } from "react-i18next";

import { useNotificationPermission } from "./desktopNotifications";

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

export function DesktopAlertsButton() {
  const { t } = useTranslation();
  const [permission, ask] = useNotificationPermission();
  if (permission !== "default") return null;
  return (
    <button type="button" className="btn-secondary" onClick={ask}>
      {t("console.enableAlerts")}
    </button>
  );
}
