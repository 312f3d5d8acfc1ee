// /admin/ops (admins only): every service's health and load as Prometheus sees it, every 5 s.
// When Prometheus cannot be reached the gateway answers 503 with the reason, shown here; the last
// figures received stay on screen, marked as such.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";

import { fetchOpsSummary } from "../../api/staffApi";
import type { OpsSummary, ServiceHealth, ServiceOps } from "../../api/types";
import { formatDateTime } from "../../components/format";
import { mayReadOps } from "../ConsoleNav";
import { ConsoleShell } from "../ConsoleShell";
import { formatNumber, formatSeconds } from "../reports/numbers";

export const REFRESH_MS = 5_000;
// The services the Ops page always lists, in this order (gateway/entrypoints/http_ops.py).
export const SERVICES = [
  "gateway",
  "tickets",
  "intake",
  "routing",
  "sla",
  "notify",
  "analytics",
  "knowledge",
] as const;

type Health = ServiceHealth | "unknown";

const healthClass: Record<Health, string> = {
  up: "border-success bg-success-light text-success",
  degraded: "border-note-border bg-note text-note-ink",
  down: "border-danger bg-danger-light text-danger",
  unknown: "border-line-strong bg-surface-sunken text-ink-muted",
};

const healthIcon: Record<Health, string> = { up: "●", degraded: "◐", down: "✕", unknown: "?" };

// The known services first (a service Prometheus does not scrape shows as not monitored),
// then any other job it reports (the broker, …).
function rowsOf(summary: OpsSummary | undefined): { service: string; ops: ServiceOps | null }[] {
  const byName = new Map((summary?.services ?? []).map((s) => [s.service, s]));
  const known = SERVICES.map((service) => ({ service, ops: byName.get(service) ?? null }));
  const others = (summary?.services ?? [])
    .filter((s) => !(SERVICES as readonly string[]).includes(s.service))
    .map((s) => ({ service: s.service, ops: s }));
  return [...known, ...others];
}

export function OpsPage() {
  const { t } = useTranslation();
  return (
    <ConsoleShell title={t("ops.title")}>
      {(me) =>
        mayReadOps(me.role) ? (
          <OpsBoard />
        ) : (
          <p
            role="status"
            className="rounded-card bg-surface-raised p-4 text-sm text-ink"
            data-testid="ops-forbidden"
          >
            {t("ops.forbidden")}
          </p>
        )
      }
    </ConsoleShell>
  );
}

function OpsBoard() {
  const { t } = useTranslation();
  const summary = useQuery({
    queryKey: ["ops-summary"],
    queryFn: fetchOpsSummary,
    refetchInterval: REFRESH_MS,
    refetchIntervalInBackground: false,
    retry: false,
  });
  const rows = rowsOf(summary.data);
  const dash = t("ops.none");
  const value = (n: number | null | undefined, digits = 2) => (n == null ? dash : formatNumber(n, digits));
  const seconds = (n: number | null | undefined) => (n == null ? dash : formatSeconds(n));

  return (
    <div className="space-y-3">
      <p className="text-sm text-ink-muted">{t("ops.intro")}</p>
      {summary.isError ? (
        <div
          role="alert"
          className="rounded-control bg-danger-light p-3 text-sm text-danger"
          data-testid="ops-error"
        >
          <p>{t("ops.unavailable", { reason: summary.error.message })}</p>
          {summary.data ? <p>{t("ops.stale", { at: formatDateTime(summary.data.evaluated_at) })}</p> : null}
        </div>
      ) : null}
      {summary.isPending ? <p className="text-sm text-ink-muted">{t("ops.loading")}</p> : null}
      {summary.data ? (
        <>
          <p className="text-xs text-ink-muted" aria-live="off">
            {t("ops.evaluated", {
              at: formatDateTime(summary.data.evaluated_at),
              url: summary.data.prometheus_url,
            })}
          </p>
          <div className="overflow-x-auto rounded-card border border-line bg-surface-raised">
            <table className="w-full text-left text-sm" data-testid="ops-table">
              <caption className="sr-only">{t("ops.tableCaption")}</caption>
              <thead className="bg-surface-sunken text-xs text-ink-muted">
                <tr>
                  <th scope="col" className="px-3 py-2">
                    {t("ops.columns.service")}
                  </th>
                  <th scope="col" className="px-3 py-2">
                    {t("ops.columns.status")}
                  </th>
                  <th scope="col" className="px-3 py-2 text-right">
                    {t("ops.columns.instances")}
                  </th>
                  <th scope="col" className="px-3 py-2 text-right">
                    {t("ops.columns.throughput")}
                  </th>
                  <th scope="col" className="px-3 py-2 text-right">
                    {t("ops.columns.p95")}
                  </th>
                  <th scope="col" className="px-3 py-2 text-right">
                    {t("ops.columns.errors")}
                  </th>
                  <th scope="col" className="px-3 py-2 text-right">
                    {t("ops.columns.lag")}
                  </th>
                  <th scope="col" className="px-3 py-2 text-right">
                    {t("ops.columns.deadLetters")}
                  </th>
                  <th scope="col" className="px-3 py-2 text-right">
                    {t("ops.columns.projectionLag")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ service, ops }) => {
                  const health: Health = ops?.status ?? "unknown";
                  return (
                    <tr
                      key={service}
                      className="border-t border-line"
                      data-testid={`ops-row-${service}`}
                      data-status={health}
                    >
                      <th scope="row" className="px-3 py-2 font-medium text-ink">
                        {service}
                      </th>
                      <td className="px-3 py-2">
                        <span
                          className={`inline-flex items-center gap-1 rounded-pill border px-2 py-0.5 text-xs font-semibold ${healthClass[health]}`}
                          data-testid="ops-status"
                        >
                          <span aria-hidden="true">{healthIcon[health]}</span>
                          {t(`ops.status.${health}`)}
                        </span>
                      </td>
                      <td className="px-3 py-2 text-right tabular-nums">
                        {ops ? `${ops.instances_up} / ${ops.instances}` : dash}
                      </td>
                      <td className="px-3 py-2 text-right tabular-nums">{value(ops?.throughput_per_s)}</td>
                      <td className="px-3 py-2 text-right tabular-nums">{seconds(ops?.p95_latency_s)}</td>
                      <td
                        className={`px-3 py-2 text-right tabular-nums ${ops?.error_rate_per_s ? "font-semibold text-danger" : ""}`}
                      >
                        {value(ops?.error_rate_per_s, 3)}
                      </td>
                      <td className="px-3 py-2 text-right tabular-nums">{value(ops?.consumer_lag, 0)}</td>
                      <td
                        className={`px-3 py-2 text-right tabular-nums ${ops?.dead_letters_1h ? "font-semibold text-danger" : ""}`}
                      >
                        {ops
                          ? `${value(ops.dead_letters_1h, 0)} / ${value(ops.dead_letters_total, 0)}`
                          : dash}
                      </td>
                      <td className="px-3 py-2 text-right tabular-nums">{seconds(ops?.projection_lag_s)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}
