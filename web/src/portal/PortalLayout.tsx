import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { BrandHeader } from "../components/Brand";

export function PortalLayout({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div className="min-h-screen bg-surface">
      <BrandHeader home="/support">
        <Link to="/support" className="text-ink-muted hover:text-brand">
          {t("portal.newRequest")}
        </Link>
        <Link to="/support/track" className="text-ink-muted hover:text-brand">
          {t("portal.trackTicket")}
        </Link>
        <Link to="/support/kb" className="text-ink-muted hover:text-brand">
          {t("portal.knowledgeBase")}
        </Link>
      </BrandHeader>
      <main className="px-4 py-8">{children}</main>
    </div>
  );
}
