// /admin/reports, the Stats panel (managers and admins): a date range for every chart, then one card
// per report with its grouping, its chart, its numbers as a table and a CSV download.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";

import { fetchReport, reportPath } from "../../api/staffApi";
import type { Account, Priority, ReportMetric } from "../../api/types";
import { formatDateTime } from "../../components/format";
import { useLabels } from "../../i18n/labels";
import { mayReadReports } from "../ConsoleNav";
import { ConsoleShell } from "../ConsoleShell";
import { CsvLink } from "./CsvLink";
import { DataTable } from "./DataTable";
import { AS_OF_NOW, CLOCKED, GROUPINGS, METRICS, viewOf, type ViewContext } from "./reportViews";

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PRESETS = [
  { days: 7, label: "reports.last7" },
  { days: 30, label: "reports.last30" },
  { days: 90, label: "reports.last90" },
] as const;

// yyyy-mm-dd of the viewer's local day, `daysBack` days ago.
function localDay(daysBack = 0): string {
  const day = new Date();
  day.setDate(day.getDate() - daysBack);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

function useRange() {
  const [params, setParams] = useSearchParams();
  const fromParam = params.get("from");
  const toParam = params.get("to");
  const to = toParam && DATE.test(toParam) ? toParam : localDay();
  const from = fromParam && DATE.test(fromParam) ? fromParam : localDay(29);
  const set = (next: { from: string; to: string }) =>
    setParams(
      (old) => {
        const copy = new URLSearchParams(old);
        copy.set("from", next.from);
        copy.set("to", next.to);
        return copy;
      },
      { replace: true },
    );
  return { from, to, set };
}

export function ReportsPage() {
  const { t } = useTranslation();
  return (
    <ConsoleShell title={t("reports.title")}>
      {(me) =>
        mayReadReports(me.role) ? (
          <StatsPanel me={me} />
        ) : (
          <p
            role="status"
            className="rounded-card bg-surface-raised p-4 text-sm text-ink"
            data-testid="reports-forbidden"
          >
            {t("reports.forbidden")}
          </p>
        )
      }
    </ConsoleShell>
  );
}

function StatsPanel({ me }: { me: Account }) {
  const { t } = useTranslation();
  const range = useRange();
  const fromId = useId();
  const toId = useId();
  const [zone, setZone] = useState<string | null>(null);
  const valid = range.from <= range.to;

  return (
    <div className="space-y-4">
      <p className="text-sm text-ink-muted">{t("reports.intro", { zone: zone ?? "…" })}</p>
      <fieldset className="flex flex-wrap items-end gap-3 rounded-card border border-line bg-surface-raised p-3">
        <legend className="px-1 text-sm font-semibold text-ink">{t("reports.range")}</legend>
        <div>
          <label htmlFor={fromId} className="block text-xs font-medium text-ink-muted">
            {t("reports.from")}
          </label>
          <input
            id={fromId}
            type="date"
            className="field-input py-1"
            value={range.from}
            max={range.to}
            aria-invalid={!valid}
            onChange={(e) => e.target.value && range.set({ from: e.target.value, to: range.to })}
          />
        </div>
        <div>
          <label htmlFor={toId} className="block text-xs font-medium text-ink-muted">
            {t("reports.to")}
          </label>
          <input
            id={toId}
            type="date"
            className="field-input py-1"
            value={range.to}
            min={range.from}
            aria-invalid={!valid}
            onChange={(e) => e.target.value && range.set({ from: range.from, to: e.target.value })}
          />
        </div>
        {PRESETS.map((preset) => (
          <button
            key={preset.days}
            type="button"
            className="btn-secondary py-1 text-xs"
            onClick={() => range.set({ from: localDay(preset.days - 1), to: localDay() })}
          >
            {t(preset.label)}
          </button>
        ))}
        {!valid ? (
          <p role="alert" className="w-full text-xs font-medium text-danger">
            {t("reports.badRange")}
          </p>
        ) : null}
      </fieldset>
      {valid ? (
        <div className="grid gap-4 lg:grid-cols-2">
          {METRICS.map((metric) => (
            <ReportCard
              key={metric}
              metric={metric}
              from={range.from}
              to={range.to}
              me={me}
              onZone={setZone}
            />
          ))}
        </div>
      ) : null}
    </div>
  );
}

function ReportCard({
  metric,
  from,
  to,
  me,
  onZone,
}: {
  metric: ReportMetric;
  from: string;
  to: string;
  me: Account;
  onZone: (zone: string) => void;
}) {
  const { t } = useTranslation();
  const labels = useLabels();
  const groupings = GROUPINGS[metric];
  const [groupBy, setGroupBy] = useState(groupings[0] ?? "none");
  const [interval, setPeriodInterval] = useState<"daily" | "weekly">("daily");
  // Response and resolution times in calendar time or in the team's business hours.
  const [clock, setClock] = useState<"calendar" | "business">("calendar");
  const [showTable, setShowTable] = useState(false);
  const headingId = useId();
  const tableId = useId();
  const groupId = useId();
  const intervalId = useId();
  const clockId = useId();
  const clocked = CLOCKED.has(metric);
  const title = t(`reports.metrics.${metric}`);
  const asOfNow = AS_OF_NOW.has(metric);
  const query = {
    from: asOfNow ? undefined : from,
    to: asOfNow ? undefined : to,
    groupBy,
    interval: metric === "volume" ? interval : undefined,
    clock: clocked ? clock : undefined,
  };
  const report = useQuery({
    queryKey: ["report", metric, query],
    queryFn: async () => {
      const answer = await fetchReport(metric, query);
      if (answer.timezone) onZone(answer.timezone);
      return answer;
    },
    placeholderData: keepPreviousData,
  });

  const ctx: ViewContext = {
    t,
    title,
    groupName: (by, group) => {
      if (group === null || group === undefined || group === "") return t("reports.notSet");
      const name = String(group);
      if (by === "none") return t("reports.all");
      if (by === "queue") return labels.queue(name);
      if (by === "priority") return labels.priority(name as Priority);
      if (by === "category") return labels.category(name);
      if (by === "agent") return name === me.id ? me.name : name;
      return name;
    },
  };
  const view = report.data ? viewOf(report.data, ctx) : null;
  const caption = asOfNow
    ? `${title} (${t("reports.asOfNow")})`
    : `${title}, ${from} – ${to}${groupBy !== "none" ? `, ${t(`reports.groups.${groupBy as "agent"}`)}` : ""}${
        clocked ? `, ${t(`reports.clocks.${clock}`)}` : ""
      }`;

  return (
    <section
      aria-labelledby={headingId}
      className="space-y-3 rounded-card border border-line bg-surface-raised p-4"
      data-testid={`report-${metric}`}
      aria-busy={report.isFetching}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 id={headingId} className="text-base font-semibold text-ink">
            {title}
          </h2>
          {asOfNow ? <p className="text-xs text-ink-muted">{t("reports.asOfNow")}</p> : null}
        </div>
        <div className="flex flex-wrap items-center gap-2">
          {groupings.length > 1 ? (
            <>
              <label htmlFor={groupId} className="text-xs text-ink-muted">
                {t("reports.groupBy")}
              </label>
              <select
                id={groupId}
                className="field-input w-36 py-1 text-xs"
                value={groupBy}
                onChange={(e) => setGroupBy(e.target.value)}
              >
                {groupings.map((g) => (
                  <option key={g} value={g}>
                    {t(`reports.groups.${g as "agent"}`)}
                  </option>
                ))}
              </select>
            </>
          ) : null}
          {clocked ? (
            <>
              <label htmlFor={clockId} className="text-xs text-ink-muted">
                {t("reports.clock")}
              </label>
              <select
                id={clockId}
                className="field-input w-36 py-1 text-xs"
                value={clock}
                data-testid="report-clock"
                onChange={(e) => setClock(e.target.value === "business" ? "business" : "calendar")}
              >
                <option value="calendar">{t("reports.clocks.calendar")}</option>
                <option value="business">{t("reports.clocks.business")}</option>
              </select>
            </>
          ) : null}
          {metric === "volume" ? (
            <>
              <label htmlFor={intervalId} className="text-xs text-ink-muted">
                {t("reports.interval")}
              </label>
              <select
                id={intervalId}
                className="field-input w-28 py-1 text-xs"
                value={interval}
                onChange={(e) => setPeriodInterval(e.target.value === "weekly" ? "weekly" : "daily")}
              >
                <option value="daily">{t("reports.daily")}</option>
                <option value="weekly">{t("reports.weekly")}</option>
              </select>
            </>
          ) : null}
        </div>
      </div>
      {report.isPending ? <p className="text-sm text-ink-muted">{t("reports.loading")}</p> : null}
      {report.isError ? (
        <p
          role="alert"
          className="rounded-control bg-danger-light p-2 text-sm text-danger"
          data-testid="report-error"
        >
          {t("reports.failed", { reason: report.error.message })}
        </p>
      ) : null}
      {view && report.data ? (
        <>
          {view.rows.length ? view.chart : <p className="text-sm text-ink-muted">{t("reports.empty")}</p>}
          {view.extra}
          <DataTable
            id={tableId}
            caption={caption}
            columns={view.columns}
            rows={view.rows}
            visible={showTable}
          />
          <div className="flex flex-wrap items-center justify-between gap-2">
            <button
              type="button"
              className="text-sm font-medium text-brand underline hover:text-brand-dark"
              aria-expanded={showTable}
              aria-controls={tableId}
              onClick={() => setShowTable((shown) => !shown)}
            >
              {showTable ? t("reports.hideTable") : t("reports.showTable")}
            </button>
            <CsvLink
              href={reportPath(metric, query, "csv")}
              title={title}
              fallbackName={`${metric}${clocked && clock === "business" ? "_business" : ""}_${report.data.from}_${report.data.to}.csv`}
            />
            <span className="text-xs text-ink-muted">
              {t("reports.generated", { at: formatDateTime(report.data.generated_at) })}
            </span>
          </div>
        </>
      ) : null}
    </section>
  );
}
