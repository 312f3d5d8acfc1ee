// Each report's chart and table, from its rows (shapes: analytics/domain/reports.py).
import type { TFunction } from "i18next";
import type { ReactNode } from "react";

import type { Report, ReportMetric, ReportRow } from "../../api/types";
import { BarsChart, HeatmapChart, LinesChart, type Series } from "./charts";
import type { Column } from "./DataTable";
import { formatNumber, formatPercent, formatSeconds } from "./numbers";

export const METRICS: readonly ReportMetric[] = [
  "volume",
  "first_response_time",
  "resolution_time",
  "csat",
  "sla",
  "heatmap",
  "backlog",
  "agent_load",
];

// The groupings each report accepts, its default first (analytics ALLOWED_GROUPINGS).
export const GROUPINGS: Record<ReportMetric, readonly string[]> = {
  first_response_time: ["none", "agent", "queue", "priority", "channel", "category"],
  resolution_time: ["none", "agent", "queue", "priority", "channel", "category"],
  volume: ["none", "channel", "category", "queue", "priority", "agent"],
  csat: ["none", "agent", "queue", "priority", "channel", "category"],
  heatmap: ["none"],
  sla: ["queue", "none", "agent", "priority", "channel", "category"],
  backlog: ["none", "queue", "priority", "channel", "category", "agent"],
  agent_load: ["agent"],
};

// Reports whose durations can be counted in business hours (`clock=business`).
export const CLOCKED: ReadonlySet<ReportMetric> = new Set(["first_response_time", "resolution_time"]);

// Reports of tickets open now: the date range does not apply to them.
export const AS_OF_NOW: ReadonlySet<ReportMetric> = new Set(["backlog", "agent_load"]);

export const WEEKDAY_KEYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

export interface ViewContext {
  t: TFunction;
  // A group's name as people read it: translated queues, priorities…; "(not set)" for null.
  groupName: (groupBy: string, group: unknown) => string;
  title: string;
}

export interface ReportView {
  chart: ReactNode;
  columns: Column<ReportRow>[];
  rows: ReportRow[];
  extra?: ReactNode;
}

// Axis labels stay short (account ids are long); the table keeps the whole name.
const axisLabel = (label: string): string => (label.length > 18 ? `…${label.slice(-8)}` : label);
const num = (value: unknown): number => (typeof value === "number" ? value : 0);
const text = (value: unknown): string => (value == null ? "" : String(value));

// A duration axis in the unit that suits the largest value.
function durationUnit(rows: ReportRow[]): { divisor: number; unit: string } {
  const max = Math.max(0, ...rows.map((r) => num(r.p90_s)), ...rows.map((r) => num(r.avg_s)));
  if (max >= 7200) return { divisor: 3600, unit: " h" };
  if (max >= 120) return { divisor: 60, unit: " min" };
  return { divisor: 1, unit: " s" };
}

function durations(report: Report, ctx: ViewContext): ReportView {
  const { t } = ctx;
  const { divisor, unit } = durationUnit(report.rows);
  const scaled = (value: unknown) =>
    typeof value === "number" ? Math.round((value / divisor) * 100) / 100 : null;
  const data = report.rows.map((row) => ({
    group: axisLabel(ctx.groupName(report.group_by, row.group)),
    avg: scaled(row.avg_s),
    median: scaled(row.median_s),
    p90: scaled(row.p90_s),
  }));
  const series: Series[] = [
    { key: "avg", label: t("reports.columns.avg") },
    { key: "median", label: t("reports.columns.median") },
    { key: "p90", label: t("reports.columns.p90") },
  ];
  const seconds = (value: unknown) => (typeof value === "number" ? formatSeconds(value) : "—");
  return {
    chart: <BarsChart data={data} category="group" series={series} unit={unit} label={ctx.title} />,
    rows: report.rows,
    columns: [
      {
        key: "group",
        label: t("reports.columns.group"),
        cell: (r) => ctx.groupName(report.group_by, r.group),
      },
      {
        key: "count",
        label: t("reports.columns.count"),
        numeric: true,
        cell: (r) => formatNumber(num(r.count)),
      },
      { key: "avg", label: t("reports.columns.avg"), numeric: true, cell: (r) => seconds(r.avg_s) },
      { key: "median", label: t("reports.columns.median"), numeric: true, cell: (r) => seconds(r.median_s) },
      { key: "p90", label: t("reports.columns.p90"), numeric: true, cell: (r) => seconds(r.p90_s) },
    ],
  };
}

// Rows keyed by (category, group) as one chart row per category with a column per group.
function pivot(
  rows: ReportRow[],
  categoryKey: string,
  groupOf: (row: ReportRow) => string,
): { data: Record<string, unknown>[]; series: Series[] } {
  const groups: string[] = [];
  const byCategory = new Map<string, Record<string, unknown>>();
  for (const row of rows) {
    const category = text(row[categoryKey]);
    const group = groupOf(row);
    if (!groups.includes(group)) groups.push(group);
    const entry = byCategory.get(category) ?? { [categoryKey]: category };
    entry[`g${groups.indexOf(group)}`] = num(row.count);
    byCategory.set(category, entry);
  }
  return {
    data: [...byCategory.values()],
    series: groups.map((label, i) => ({ key: `g${i}`, label })),
  };
}

function volume(report: Report, ctx: ViewContext): ReportView {
  const { t } = ctx;
  const groupOf = (row: ReportRow) => ctx.groupName(report.group_by, row.group);
  const { data, series } = pivot(report.rows, "period", groupOf);
  return {
    chart: <LinesChart data={data} category="period" series={series} label={ctx.title} />,
    rows: report.rows,
    columns: [
      { key: "period", label: t("reports.columns.period"), cell: (r) => text(r.period) },
      { key: "group", label: t("reports.columns.group"), cell: groupOf },
      {
        key: "count",
        label: t("reports.columns.count"),
        numeric: true,
        cell: (r) => formatNumber(num(r.count)),
      },
    ],
  };
}

interface CsatComment {
  reference: string;
  rating: string;
  comment: string;
  rated_at: string;
}

function csat(report: Report, ctx: ViewContext): ReportView {
  const { t } = ctx;
  const data = report.rows.map((row) => ({
    group: axisLabel(ctx.groupName(report.group_by, row.group)),
    share: Math.round(num(row.share_good) * 1000) / 10,
  }));
  const comments = report.rows.flatMap((row) => (row.latest_comments as CsatComment[] | undefined) ?? []);
  return {
    chart: (
      <BarsChart
        data={data}
        category="group"
        series={[{ key: "share", label: t("reports.columns.shareGood") }]}
        unit="%"
        label={ctx.title}
      />
    ),
    rows: report.rows,
    columns: [
      {
        key: "group",
        label: t("reports.columns.group"),
        cell: (r) => ctx.groupName(report.group_by, r.group),
      },
      {
        key: "rated",
        label: t("reports.columns.rated"),
        numeric: true,
        cell: (r) => formatNumber(num(r.rated)),
      },
      {
        key: "good",
        label: t("reports.columns.good"),
        numeric: true,
        cell: (r) => formatNumber(num(r.good)),
      },
      { key: "bad", label: t("reports.columns.bad"), numeric: true, cell: (r) => formatNumber(num(r.bad)) },
      {
        key: "share",
        label: t("reports.columns.shareGood"),
        numeric: true,
        cell: (r) => formatPercent(num(r.share_good)),
      },
    ],
    extra: (
      <section aria-label={t("reports.comments")} className="space-y-1">
        <h3 className="text-xs font-semibold text-ink-muted">{t("reports.comments")}</h3>
        {comments.length ? (
          <ul className="space-y-1 text-sm">
            {comments.slice(0, 5).map((c) => (
              <li key={`${c.reference}-${c.rated_at}`}>
                <span className="font-medium">{c.reference}</span> ·{" "}
                {c.rating === "good" ? t("reports.columns.good") : t("reports.columns.bad")}: “{c.comment}”
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-ink-muted">{t("reports.noComments")}</p>
        )}
      </section>
    ),
  };
}

function heatmap(report: Report, ctx: ViewContext): ReportView {
  const { t } = ctx;
  const weekdays = WEEKDAY_KEYS.map((key) => t(`reports.weekdays.${key}`));
  const cells = report.rows.map((row) => ({
    weekday: num(row.weekday),
    hour: num(row.hour),
    count: num(row.count),
  }));
  // The table: a row per weekday, a column per hour.
  const byDay = weekdays.map((name, day) => {
    const row: ReportRow = { weekday: name };
    for (const cell of cells) if (cell.weekday === day) row[`h${cell.hour}`] = cell.count;
    return row;
  });
  const hourColumns: Column<ReportRow>[] = Array.from({ length: 24 }, (_, hour) => ({
    key: `h${hour}`,
    label: String(hour),
    numeric: true,
    cell: (r: ReportRow) => formatNumber(num(r[`h${hour}`])),
  }));
  return {
    chart: (
      <HeatmapChart
        cells={cells}
        weekdays={weekdays}
        label={ctx.title}
        cellLabel={(weekday, hour, count) => t("reports.heatmapCell", { weekday, hour, count })}
      />
    ),
    rows: byDay,
    columns: [
      { key: "weekday", label: t("reports.columns.weekday"), cell: (r) => text(r.weekday) },
      ...hourColumns,
    ],
  };
}

function sla(report: Report, ctx: ViewContext): ReportView {
  const { t } = ctx;
  const data = report.rows.map((row) => ({
    group: axisLabel(ctx.groupName(report.group_by, row.group)),
    met: num(row.sla_tracked) - num(row.breached),
    breached: num(row.breached),
  }));
  return {
    chart: (
      <BarsChart
        data={data}
        category="group"
        stacked
        series={[
          { key: "met", label: t("sla.state.met") },
          { key: "breached", label: t("reports.columns.breached") },
        ]}
        label={ctx.title}
      />
    ),
    rows: report.rows,
    columns: [
      {
        key: "group",
        label: t("reports.columns.group"),
        cell: (r) => ctx.groupName(report.group_by, r.group),
      },
      {
        key: "tickets",
        label: t("reports.columns.tickets"),
        numeric: true,
        cell: (r) => formatNumber(num(r.tickets)),
      },
      {
        key: "tracked",
        label: t("reports.columns.tracked"),
        numeric: true,
        cell: (r) => formatNumber(num(r.sla_tracked)),
      },
      {
        key: "breached",
        label: t("reports.columns.breached"),
        numeric: true,
        cell: (r) => formatNumber(num(r.breached)),
      },
      {
        key: "frb",
        label: t("reports.columns.firstResponseBreaches"),
        numeric: true,
        cell: (r) => formatNumber(num(r.first_response_breaches)),
      },
      {
        key: "rb",
        label: t("reports.columns.resolutionBreaches"),
        numeric: true,
        cell: (r) => formatNumber(num(r.resolution_breaches)),
      },
      {
        key: "attainment",
        label: t("reports.columns.attainment"),
        numeric: true,
        cell: (r) => (typeof r.attainment === "number" ? formatPercent(r.attainment) : "—"),
      },
    ],
  };
}

function backlog(report: Report, ctx: ViewContext): ReportView {
  const { t } = ctx;
  const groupOf = (row: ReportRow) => ctx.groupName(report.group_by, row.group);
  const { data, series } = pivot(report.rows, "age", groupOf);
  return {
    chart: <BarsChart data={data} category="age" series={series} stacked label={ctx.title} />,
    rows: report.rows,
    columns: [
      { key: "age", label: t("reports.columns.age"), cell: (r) => text(r.age) },
      { key: "group", label: t("reports.columns.group"), cell: groupOf },
      {
        key: "count",
        label: t("reports.columns.open"),
        numeric: true,
        cell: (r) => formatNumber(num(r.count)),
      },
    ],
  };
}

function agentLoad(report: Report, ctx: ViewContext): ReportView {
  const { t } = ctx;
  const agent = (row: ReportRow) => ctx.groupName("agent", row.assignee);
  const data = report.rows.map((row) => ({ agent: axisLabel(agent(row)), open: num(row.open) }));
  return {
    chart: (
      <BarsChart
        data={data}
        category="agent"
        series={[{ key: "open", label: t("reports.columns.open") }]}
        horizontal
        label={ctx.title}
      />
    ),
    rows: report.rows,
    columns: [
      { key: "assignee", label: t("reports.columns.assignee"), cell: agent },
      {
        key: "open",
        label: t("reports.columns.open"),
        numeric: true,
        cell: (r) => formatNumber(num(r.open)),
      },
    ],
  };
}

const VIEWS: Record<ReportMetric, (report: Report, ctx: ViewContext) => ReportView> = {
  first_response_time: durations,
  resolution_time: durations,
  volume,
  csat,
  heatmap,
  sla,
  backlog,
  agent_load: agentLoad,
};

export function viewOf(report: Report, ctx: ViewContext): ReportView {
  return VIEWS[report.metric](report, ctx);
}
