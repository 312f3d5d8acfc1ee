// Links between the console's pages; Reports for managers and admins, Knowledge for editors,
// managers and admins, Ops for admins only.
import { useTranslation } from "react-i18next";
import { NavLink } from "react-router";

import type { Account } from "../api/types";

export function mayReadReports(role: Account["role"] | undefined): boolean {
  return role === "manager" || role === "admin";
}

// Who edits the knowledge base (the knowledge service's and the gateway's EDITOR_ROLES).
export function mayEditKnowledge(role: Account["role"] | undefined): boolean {
  return role === "editor" || role === "manager" || role === "admin";
}

export function mayReadOps(role: Account["role"] | undefined): boolean {
  return role === "admin";
}

const linkClass = ({ isActive }: { isActive: boolean }) =>
  `rounded-control px-2 py-1 font-medium ${isActive ? "bg-brand-light text-brand-dark" : "text-ink-muted hover:text-ink"}`;

export function ConsoleNav({ role }: { role: Account["role"] | undefined }) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t("nav.label")} className="flex items-center gap-1">
      <NavLink to="/admin" end className={linkClass}>
        {t("nav.tickets")}
      </NavLink>
      {mayReadReports(role) ? (
        <NavLink to="/admin/reports" className={linkClass}>
          {t("nav.reports")}
        </NavLink>
      ) : null}
      {mayEditKnowledge(role) ? (
        <NavLink to="/admin/knowledge" className={linkClass}>
          {t("nav.knowledge")}
        </NavLink>
      ) : null}
      {mayReadOps(role) ? (
        <NavLink to="/admin/ops" className={linkClass}>
          {t("nav.ops")}
        </NavLink>
      ) : null}
    </nav>
  );
}
