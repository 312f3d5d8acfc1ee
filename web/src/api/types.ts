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
  // Not served yet (routing/SLA issue); rendered only when present.
  sla_due_at?: string | null;
  sla_state?: "ok" | "at_risk" | "breached" | null;
  routing_reason?: string | null;
}

export interface TicketCreate {
  customer: Customer;
  category: string;
  priority: Priority;
  subject: string;
  message: string;
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
  role: "agent" | "engineer" | "manager" | "admin";
  queues: string[];
  active: boolean;
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

export type LiveMessage = TicketLiveMessage | PresenceMessage;
