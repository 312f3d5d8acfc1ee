// Dates and times in the viewer's own time zone, in the chosen language.
import i18n from "../i18n";

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  // Live messages carry Python's str(datetime) ("2026-11-25 10:00:00+00:00"): make it ISO.
  const date = new Date(/^\d{4}-\d{2}-\d{2} /.test(iso) ? iso.replace(" ", "T") : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(i18n.language, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function humanize(key: string): string {
  const text = key.replace(/[_.]/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
