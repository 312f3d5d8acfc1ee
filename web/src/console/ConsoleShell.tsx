// The frame of the console's secondary pages (Reports, Ops): the header with the page links and
// sign-out, and the page's title.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { logOut } from "../api/session";
import { fetchMe } from "../api/staffApi";
import type { Account } from "../api/types";
import { BrandHeader } from "../components/Brand";
import { ME_KEY } from "./AvailabilitySwitch";
import { ConsoleNav } from "./ConsoleNav";

export function useMe() {
  return useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 5 * 60_000 });
}

export function ConsoleShell({ title, children }: { title: string; children: (me: Account) => ReactNode }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useMe();
  return (
    <div className="min-h-screen bg-surface">
      <BrandHeader home="/admin">
        <ConsoleNav role={me.data?.role} />
        {me.data ? (
          <span className="text-ink-muted" data-testid="signed-in-as">
            {me.data.name} · {me.data.role}
          </span>
        ) : null}
        <button
          type="button"
          className="btn-secondary"
          onClick={() => void logOut().then(() => queryClient.clear())}
        >
          {t("console.signOut")}
        </button>
      </BrandHeader>
      <main className="mx-auto max-w-7xl space-y-4 px-4 py-6">
        <h1 className="text-2xl font-semibold text-ink">{title}</h1>
        {me.isError ? (
          <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
            {me.error.message}
          </p>
        ) : me.data ? (
          children(me.data)
        ) : (
          <p className="text-sm text-ink-muted">{t("common.loading")}</p>
        )}
      </main>
    </div>
  );
}
