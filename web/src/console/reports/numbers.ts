// Numbers for tables and chart labels, in the chosen language.
import i18n from "../../i18n";

export function formatNumber(value: number, maximumFractionDigits = 2): string {
  return new Intl.NumberFormat(i18n.language, { maximumFractionDigits }).format(value);
}

export function formatPercent(share: number): string {
  return new Intl.NumberFormat(i18n.language, { style: "percent", maximumFractionDigits: 1 }).format(share);
}

// A duration in seconds as the largest sensible unit: 850 ms, 42 s, 12.5 min, 3.2 h, 1.5 d.
export function formatSeconds(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs < 1) return `${formatNumber(seconds * 1000, 0)} ms`;
  if (abs < 120) return `${formatNumber(seconds, 1)} s`;
  if (abs < 7200) return `${formatNumber(seconds / 60, 1)} min`;
  if (abs < 172_800) return `${formatNumber(seconds / 3600, 1)} h`;
  return `${formatNumber(seconds / 86_400, 1)} d`;
}

// Chart units: durations plot in hours, so their axis stays readable.
export function hours(seconds: unknown): number | null {
  return typeof seconds === "number" ? Math.round((seconds / 3600) * 100) / 100 : null;
}
