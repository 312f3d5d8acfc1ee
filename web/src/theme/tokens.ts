// Dvika Care design tokens: the one place for colours, spacing, radii and the status, priority
// and SLA cues. tailwind.config.ts turns them into utility classes (bg-brand, text-status-open…);
// components read the cue maps below to pick a class for a value.

export const colors = {
  brand: { DEFAULT: "#0f766e", dark: "#115e59", light: "#ccfbf1" },
  ink: { DEFAULT: "#0f172a", muted: "#475569", faint: "#576579" },
  surface: { DEFAULT: "#f8fafc", raised: "#ffffff", sunken: "#f1f5f9" },
  line: { DEFAULT: "#e2e8f0", strong: "#cbd5e1" },
  danger: { DEFAULT: "#b91c1c", light: "#fee2e2" },
  success: { DEFAULT: "#15803d", light: "#dcfce7" },
  highlight: { DEFAULT: "#fef9c3" },
  note: { DEFAULT: "#fffbeb", border: "#f59e0b", ink: "#92400e" },
  agent: { DEFAULT: "#eff6ff", border: "#3b82f6" },
  customer: { DEFAULT: "#ffffff", border: "#cbd5e1" },
  status: {
    new: "#7c3aed",
    open: "#2563eb",
    in_progress: "#0e7490",
    on_hold: "#a16207",
    escalated: "#c2410c",
    resolved: "#15803d",
    closed: "#475569",
  },
  priority: { P1: "#b91c1c", P2: "#c2410c", P3: "#1d4ed8", P4: "#475569" },
  sla: { ok: "#15803d", at_risk: "#b45309", breached: "#b91c1c", met: "#475569", paused: "#475569" },
  // Light grounds behind the SLA cues' text; each cue colour keeps at least 4.5:1 on its own.
  slaGround: { ok: "#f0fdf4", at_risk: "#fffbeb", breached: "#fef2f2", met: "#f1f5f9", paused: "#f1f5f9" },
} as const;

export const spacing = {
  gutter: "1rem",
  panel: "42rem",
  field: "0.625rem",
} as const;

export const radii = {
  control: "0.375rem",
  card: "0.75rem",
  pill: "9999px",
} as const;

export const fonts = {
  sans: ["Inter", "system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
} as const;

export type TicketStatus = keyof typeof colors.status;
export type Priority = keyof typeof colors.priority;
export type SlaCue = keyof typeof colors.sla;

// Full class names (not built from strings) so Tailwind's scanner keeps them.
export const statusBadgeClass: Record<TicketStatus, string> = {
  new: "bg-status-new",
  open: "bg-status-open",
  in_progress: "bg-status-in_progress",
  on_hold: "bg-status-on_hold",
  escalated: "bg-status-escalated",
  resolved: "bg-status-resolved",
  closed: "bg-status-closed",
};

export const priorityBadgeClass: Record<Priority, string> = {
  P1: "bg-priority-P1",
  P2: "bg-priority-P2",
  P3: "bg-priority-P3",
  P4: "bg-priority-P4",
};

export const slaCueClass: Record<SlaCue, string> = {
  ok: "text-sla-ok",
  at_risk: "text-sla-at_risk",
  breached: "text-sla-breached",
  met: "text-sla-met",
  paused: "text-sla-paused",
};

// A bordered chip for an SLA clock: the cue's colour on its light ground (met and paused plain).
export const slaChipClass: Record<SlaCue, string> = {
  ok: "border-sla-ok bg-slaGround-ok text-sla-ok",
  at_risk: "border-sla-at_risk bg-slaGround-at_risk text-sla-at_risk",
  breached: "border-sla-breached bg-slaGround-breached text-sla-breached",
  met: "border-line-strong bg-slaGround-met text-sla-met",
  paused: "border-line-strong bg-slaGround-paused text-sla-paused",
};

// The availability switch's track: on (available) and off (away).
export const availabilityTrackClass = {
  on: "bg-success",
  off: "bg-ink-muted",
} as const;
