// The gateway's JSON shapes, as the routes in services/gateway/src/gateway/entrypoints serve them.
import type { Priority, TicketStatus } from "../theme/tokens";

export type { Priority, TicketStatus };

export const TICKET_STATUSES: readonly TicketStatus[] = [
  "new",
  "open",
  "in_progress",
  "on_hold",
  "escalated",
  "resolved",
  "closed",
];
export const PRIORITIES: readonly Priority[] = ["P1", "P2", "P3", "P4"];
// Categories are free keys on the wire (lowercase); these are the ones the forms offer.
export const CATEGORIES = ["general", "billing", "technical", "account", "shipping", "other"] as const;

export interface Customer {
  name: string;
  email: string;
  phone?: string | null;
}

export interface ThreadMessage {
  id: string;
  from: "customer" | "agent";
  message: string;
  internal: boolean;
  author: string | null;
  channel: string;
  created_at: string;
  // The reference of the duplicate this message came from, when it was merged in.
  merged_from?: string;
  // Files sent with the message (download: GET /api/v1/tickets/{id}/attachments/{attachment_id}).
  attachments?: AttachmentRef[];
}

// A file as a ticket's thread lists it.
export interface AttachmentRef {
  attachment_id: string;
  filename: string;
  content_type: string;
  size: number;
}

// A file as POST /api/v1/attachments answers it.
export interface Attachment extends AttachmentRef {
  sha256: string;
}

export type Rating = "good" | "bad";

export interface Satisfaction {
  rating: Rating;
  comment: string | null;
  at: string;
}

export interface TicketLink {
  id: string;
  reference: string;
}

export interface Escalation {
  tier: "L2" | "engineering";
  reason: string;
  at: string;
}

export interface Ticket {
  id: string;
  reference: string;
  status: TicketStatus;
  priority: Priority;
  category: string;
  queue: string | null;
  tags: string[];
  assignee: string | null;
  escalation: Escalation | null;
  customer: Customer;
  subject: string;
  channel: string;
  thread: ThreadMessage[];
  created_at: string;
  updated_at: string;
  version: number;
  follow_up_of?: string | null;
  follow_ups?: string[];
  merged_into?: TicketLink | null;
  merged_from?: TicketLink[];
  // The customer's rating once the ticket is resolved (null until then).
  satisfaction?: Satisfaction | null;
  // Why routing placed it (null until the routing service decided), and the SLA clocks.
  routing?: Routing | null;
  sla?: SlaBlock | null;
  // The earliest due time of a running clock, and whether any target was missed.
  sla_due?: string | null;
  sla_breached?: boolean;
  // An automatic close is coming unless the customer answers.
  nudged?: Nudge | null;
}

export type AssignmentStrategy = "round_robin" | "load_based";

export interface Routing {
  // The rule that fired (null when assigned without a routing decision), and the word it matched.
  rule: string | null;
  matched: string | null;
  queue: string;
  strategy: AssignmentStrategy | null;
  assignee: string | null;
  at: string;
}

export type SlaTarget = "first_response" | "resolution";
export const SLA_TARGETS: readonly SlaTarget[] = ["first_response", "resolution"];
export type SlaState = "ok" | "at_risk" | "breached" | "met" | "paused";

// One SLA target's clock. Running: `due_at` set; paused: `due_at` null, `remaining_s` left.
export interface SlaClock {
  due_at: string | null;
  state: SlaState;
  policy: string;
  target_minutes: number;
  business_hours: boolean;
  remaining_s: number | null;
  met_at: string | null;
  warned_at: string | null;
  breached_at: string | null;
}

export type SlaBlock = Partial<Record<SlaTarget, SlaClock>>;

export type NudgeKind = "resolved_inactive" | "waiting_on_customer";

export interface Nudge {
  kind: NudgeKind;
  closes_at: string;
}

export interface TicketCreate {
  customer: Customer;
  category: string;
  priority: Priority;
  subject: string;
  message: string;
  // Ids from POST /api/v1/attachments.
  attachments?: string[];
}

export interface TicketCreated {
  id: string;
  reference: string;
  version: number;
  tracking_token: string;
  tracking_url: string;
}

export interface ReplyCreated {
  id: string;
  reference: string | null;
  version: number;
  follow_up: { id: string; tracking_token: string } | null;
}

export interface TicketChanged {
  id: string;
  reference: string | null;
  version: number;
}

export type ViewName = "my_open" | "all" | "escalations" | "sla_breaches";
export const VIEW_NAMES: readonly ViewName[] = ["my_open", "all", "escalations", "sla_breaches"];

export type SortName = "-created" | "created" | "-updated" | "updated" | "priority" | "sla_due";

// A ticket as GET /api/v1/tickets lists it: everything but the thread (only GET one has it).
export type TicketSummary = Omit<Ticket, "thread">;

export interface TicketPage {
  items: TicketSummary[];
  next_cursor: string | null;
  counts: Partial<Record<ViewName, number>>;
}

export interface HistoryEntry {
  version: number;
  type: string;
  at: string;
  actor: { kind: string; id: string | null };
  change: Record<string, unknown>;
  // The gateway's one-line English description (a fallback: the console words it itself).
  summary?: string;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

export interface Account {
  id: string;
  email: string;
  name: string;
  role: "agent" | "engineer" | "manager" | "admin" | "editor";
  queues: string[];
  active: boolean;
  // Whether automatic assignment may give this agent tickets ("available" / "away").
  available?: boolean;
  // At most this many open tickets by load-based assignment.
  capacity?: number;
}

// What /ws sends (gateway/live.py): ticket events, and to staff also presence signals.
export interface TicketLiveMessage {
  type: "ticket.new" | "ticket.reply" | "ticket.updated" | "ticket.note";
  version: number;
  change: string;
  ticket: Partial<Ticket> & { id: string };
  message?: ThreadMessage;
}

export type PresenceActivity = "viewing" | "typing" | "left";

// Another console's signal about a ticket (gateway/presence.py); staff only, never stored.
export interface PresenceMessage {
  type: "ticket.presence";
  ticket_id: string;
  agent_id: string;
  agent_name: string;
  activity: PresenceActivity;
  at: string;
}

// One item of a staff member's console notifications (notify's feed; contracts ConsoleNotification).
export type ConsoleNotificationKind = "assigned" | "customer_replied" | "sla_at_risk" | "sla_breached";

export interface ConsoleNotification {
  id?: string;
  // Stable per item: what "mark read" names, and what a live push is recognised by.
  key: string;
  account_id: string;
  kind: ConsoleNotificationKind;
  ticket_id: string;
  reference: string;
  subject: string;
  text: string;
  created_at: string;
  read: boolean;
}

// GET /api/v1/notifications: newest first, with the unread count.
export interface NotificationFeed {
  items: ConsoleNotification[];
  unread: number;
}

// A new item for this staff member, pushed on the staff WebSocket (gateway/notifications.py);
// staff only, so not one of the portal's LiveMessage kinds.
export interface NotificationMessage {
  type: "notification";
  item: ConsoleNotification;
  unread: number;
}

export type LiveMessage = TicketLiveMessage | PresenceMessage;

// Macros (gateway/macros/schemas.py, contracts MacroAction): each a list of actions applied as one.
export type MacroAction =
  | { action: "reply"; message: string; internal?: boolean }
  | { action: "set_status"; status: TicketStatus; reason?: string | null }
  | { action: "set_priority"; priority: Priority }
  | { action: "set_category"; category: string }
  | { action: "add_tags"; tags: string[] }
  | { action: "assign"; assignee?: string | null; queue?: string | null };

export interface Macro {
  id: string;
  name: string;
  scope: "shared" | "personal";
  owner: string;
  actions: MacroAction[];
  created_at?: string;
  updated_at?: string;
}

// GET /api/v1/reports/{metric} (analytics/entrypoints/http_reports.py): rows differ by metric.
export type ReportMetric =
  | "first_response_time"
  | "resolution_time"
  | "volume"
  | "csat"
  | "heatmap"
  | "sla"
  | "backlog"
  | "agent_load";

export type ReportRow = Record<string, unknown>;

export interface Report {
  metric: ReportMetric;
  from: string;
  to: string;
  group_by: string;
  interval?: string | null;
  timezone?: string;
  rows: ReportRow[];
  generated_at: string;
}

// GET /api/v1/ops/summary (gateway/entrypoints/http_ops.py), admins only.
export type ServiceHealth = "up" | "degraded" | "down";

export interface ServiceOps {
  service: string;
  status: ServiceHealth;
  instances: number;
  instances_up: number;
  throughput_per_s: number | null;
  p95_latency_s: number | null;
  error_rate_per_s: number | null;
  consumer_lag: number | null;
  dead_letters_1h: number | null;
  dead_letters_total: number | null;
  projection_lag_s: number | null;
}

export interface OpsSummary {
  prometheus_url: string;
  evaluated_at: string;
  services: ServiceOps[];
}

// The knowledge base (services/knowledge/entrypoints/http_api.py, forwarded under /api/v1/kb).
export type ArticleStatus = "draft" | "published" | "archived";

// A published article as search and suggest answer it; `url` is the public page's path.
export interface ArticleHit {
  id: string;
  slug: string;
  title: string;
  category: string;
  language: string;
  score: number;
  snippet: string;
  url: string;
}

// A published article as GET /api/v1/kb/articles lists it.
export interface ArticleListItem {
  id: string;
  slug: string;
  title: string;
  category: string;
  language: string;
}

// An article in any status, as the editors' list shows it.
export interface AdminArticle {
  id: string;
  slug: string;
  title: string;
  status: ArticleStatus;
  version: number;
  category: string;
  tags: string[];
  language: string;
  author: string;
  updated_at: string;
  published_at: string | null;
}

export interface ArticleDraft {
  title: string;
  body: string;
  category: string;
  tags?: string[];
  language?: string;
}

export interface ArticleChanged {
  id: string;
  slug: string;
  version: number;
}

// An earlier ticket like the open one (the knowledge service's own index of the ticket log).
export interface SimilarTicket {
  id: string;
  reference: string;
  subject: string;
  status: TicketStatus;
  score: number;
}

export type KbSuggestionKind = "outdated" | "new_article";

export interface KbSuggestionCreate {
  kind: KbSuggestionKind;
  ticket_id: string;
  ticket_reference?: string;
  article?: string; // the flagged article's slug
  title?: string;
  note?: string;
}

// An item of the editors' Knowledge Suggestions view.
export interface KbSuggestion {
  id: string;
  kind: KbSuggestionKind;
  ticket_id: string;
  ticket_reference: string | null;
  article_id: string | null;
  article: string | null;
  title: string | null;
  note: string;
  raised_by: string | null;
  // The raiser's name, should the knowledge service keep it (it keeps the account id today).
  raised_by_name?: string | null;
  status: "open" | "done";
  created_at: string;
  closed_by?: string;
  closed_at?: string;
}

export interface DeflectionRate {
  sessions_with_article_opened: number;
  submitted_after_opening: number;
  deflected: number;
  rate: number | null;
}
