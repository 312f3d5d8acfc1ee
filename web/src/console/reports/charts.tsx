// The charts of the Stats panel (Recharts, SVG), one per kind of report, coloured from the tokens.
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

import { colors } from "../../theme/tokens";

// Distinct, each at least 4.5:1 on white, so lines and bars read without their legend colour alone.
export const PALETTE = [
  colors.brand.DEFAULT,
  colors.status.open,
  colors.status.escalated,
  colors.status.new,
  colors.status.on_hold,
  colors.priority.P1,
  colors.status.in_progress,
  colors.ink.muted,
];

export interface Series {
  key: string;
  label: string;
}

const HEIGHT = 260;
const axisTick = { fill: colors.ink.muted, fontSize: 12 };

export function BarsChart({
  data,
  category,
  series,
  stacked = false,
  unit,
  label,
  horizontal = false,
}: {
  data: Record<string, unknown>[];
  category: string;
  series: Series[];
  stacked?: boolean;
  unit?: string;
  label: string;
  horizontal?: boolean;
}) {
  return (
    <div
      role="img"
      aria-label={label}
      className="w-full"
      style={{ height: HEIGHT }}
      data-testid="report-chart"
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout={horizontal ? "vertical" : "horizontal"} margin={{ left: 8, right: 16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={colors.line.DEFAULT} />
          {horizontal ? (
            <>
              <XAxis type="number" tick={axisTick} unit={unit} allowDecimals />
              <YAxis type="category" dataKey={category} tick={axisTick} width={120} />
            </>
          ) : (
            <>
              <XAxis dataKey={category} tick={axisTick} />
              <YAxis tick={axisTick} unit={unit} allowDecimals />
            </>
          )}
          <Tooltip />
          {series.length > 1 ? <Legend /> : null}
          {series.map((s, i) => (
            <Bar
              key={s.key}
              dataKey={s.key}
              name={s.label}
              fill={PALETTE[i % PALETTE.length]}
              stackId={stacked ? "stack" : undefined}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function LinesChart({
  data,
  category,
  series,
  label,
}: {
  data: Record<string, unknown>[];
  category: string;
  series: Series[];
  label: string;
}) {
  return (
    <div
      role="img"
      aria-label={label}
      className="w-full"
      style={{ height: HEIGHT }}
      data-testid="report-chart"
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ left: 8, right: 16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke={colors.line.DEFAULT} />
          <XAxis dataKey={category} tick={axisTick} />
          <YAxis tick={axisTick} allowDecimals={false} />
          <Tooltip />
          {series.length > 1 ? <Legend /> : null}
          {series.map((s, i) => (
            <Line
              key={s.key}
              type="monotone"
              dataKey={s.key}
              name={s.label}
              stroke={PALETTE[i % PALETTE.length]}
              strokeWidth={2}
              dot={{ r: 3 }}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

// Weekday × hour: a grid of cells whose shade grows with the count (Recharts has no heatmap).
export function HeatmapChart({
  cells,
  weekdays,
  label,
  cellLabel,
}: {
  cells: { weekday: number; hour: number; count: number }[];
  weekdays: string[];
  label: string;
  cellLabel: (weekday: string, hour: number, count: number) => string;
}) {
  const max = Math.max(1, ...cells.map((c) => c.count));
  const size = 22;
  const left = 44;
  const top = 18;
  return (
    <div className="w-full overflow-x-auto" data-testid="report-chart">
      <svg
        role="img"
        aria-label={label}
        viewBox={`0 0 ${left + 24 * size} ${top + 7 * size}`}
        className="w-full min-w-[36rem]"
      >
        {Array.from({ length: 24 }, (_, hour) =>
          hour % 3 === 0 ? (
            <text
              key={hour}
              x={left + hour * size + size / 2}
              y={12}
              fontSize={10}
              textAnchor="middle"
              fill={colors.ink.muted}
            >
              {hour}
            </text>
          ) : null,
        )}
        {weekdays.map((name, day) => (
          <text
            key={name}
            x={left - 6}
            y={top + day * size + size / 2 + 4}
            fontSize={11}
            textAnchor="end"
            fill={colors.ink.muted}
          >
            {name}
          </text>
        ))}
        {cells.map((cell) => (
          <rect
            key={`${cell.weekday}-${cell.hour}`}
            x={left + cell.hour * size + 1}
            y={top + cell.weekday * size + 1}
            width={size - 2}
            height={size - 2}
            rx={3}
            fill={cell.count ? colors.brand.DEFAULT : colors.surface.sunken}
            fillOpacity={cell.count ? 0.15 + 0.85 * (cell.count / max) : 1}
          >
            <title>{cellLabel(weekdays[cell.weekday] ?? String(cell.weekday), cell.hour, cell.count)}</title>
          </rect>
        ))}
      </svg>
    </div>
  );
}
