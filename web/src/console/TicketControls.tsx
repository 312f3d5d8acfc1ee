// The agent's controls on one ticket: status, priority, category, tags, assignment and escalation.
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import {
  assignTicket,
  changeStatus,
  escalateTicket,
  mergeTicket,
  unassignTicket,
  updateTicket,
  type TicketFieldsUpdate,
} from "../api/staffApi";
import {
  CATEGORIES,
  PRIORITIES,
  TICKET_STATUSES,
  type Account,
  type Priority,
  type Ticket,
  type TicketStatus,
} from "../api/types";
import { useLabels } from "../i18n/labels";
import { useTicketChange } from "./useTicketChange";

function ControlGroup({
  title,
  testId,
  error,
  children,
}: {
  title: string;
  testId: string;
  error: Error | null;
  children: ReactNode;
}) {
  return (
    <fieldset className="space-y-2 rounded-card border border-line p-3">
      <legend className="px-1 text-xs font-semibold uppercase tracking-wide text-ink-muted">{title}</legend>
      {children}
      {error ? (
        <p
          role="alert"
          className="rounded-control bg-danger-light p-2 text-xs font-medium text-danger"
          data-testid={`${testId}-error`}
        >
          {error.message}
        </p>
      ) : null}
    </fieldset>
  );
}

export function StatusControl({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const [target, setTarget] = useState<TicketStatus | "">("");
  const [reason, setReason] = useState("");
  const statusId = useId();
  const reasonId = useId();
  const change = useTicketChange(ticket.id, (input: { status: TicketStatus; reason: string }) =>
    changeStatus(ticket.id, input.status, input.reason.trim() || undefined),
  );
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (target)
      change.mutate(
        { status: target, reason },
        {
          onSuccess: () => {
            setTarget("");
            setReason("");
          },
        },
      );
  };
  return (
    <ControlGroup title={t("controls.status")} testId="status" error={change.error}>
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-2">
        <div>
          <label htmlFor={statusId} className="block text-xs text-ink-muted">
            {t("controls.newStatus")}
          </label>
          <select
            id={statusId}
            className="field-input"
            value={target}
            onChange={(e) => {
              change.reset();
              setTarget(e.target.value as TicketStatus);
            }}
          >
            <option value="">{t("controls.choose")}</option>
            {TICKET_STATUSES.filter((s) => s !== ticket.status && s !== "escalated").map((s) => (
              <option key={s} value={s}>
                {labels.status(s)}
              </option>
            ))}
          </select>
        </div>
        <div className="min-w-32 flex-1">
          <label htmlFor={reasonId} className="block text-xs text-ink-muted">
            {t("controls.reason")}
          </label>
          <input
            id={reasonId}
            className="field-input"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        </div>
        <button type="submit" className="btn-primary" disabled={!target || change.isPending}>
          {t("controls.changeStatus")}
        </button>
      </form>
    </ControlGroup>
  );
}

export function FieldsControl({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation();
  const labels = useLabels();
  const priorityId = useId();
  const categoryId = useId();
  const tagId = useId();
  const [newTag, setNewTag] = useState("");
  const change = useTicketChange(ticket.id, (body: TicketFieldsUpdate) => updateTicket(ticket.id, body));
  const categories = CATEGORIES.includes(ticket.category as (typeof CATEGORIES)[number])
    ? CATEGORIES
    : [ticket.category, ...CATEGORIES];
  return (
    <ControlGroup title={t("controls.details")} testId="details" error={change.error}>
      <div className="grid grid-cols-2 gap-2">
        <div>
          <label htmlFor={priorityId} className="block text-xs text-ink-muted">
            {t("controls.priority")}
          </label>
          <select
            id={priorityId}
            className="field-input"
            value={ticket.priority}
            onChange={(e) => change.mutate({ priority: e.target.value as Priority })}
          >
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {labels.priority(p)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={categoryId} className="block text-xs text-ink-muted">
            {t("controls.category")}
          </label>
          <select
            id={categoryId}
            className="field-input"
            value={ticket.category}
            onChange={(e) => change.mutate({ category: e.target.value })}
          >
            {categories.map((c) => (
              <option key={c} value={c}>
                {labels.category(c)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ul className="flex flex-wrap items-center gap-1" aria-label={t("controls.tags")}>
        {ticket.tags.map((tag) => (
          <li
            key={tag}
            className="inline-flex items-center gap-1 rounded-pill bg-surface-sunken px-2 py-0.5 text-xs"
          >
            {tag}
            <button
              type="button"
              aria-label={t("controls.removeTag", { tag })}
              className="text-ink-faint hover:text-danger"
              onClick={() => change.mutate({ remove_tags: [tag] })}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          const tag = newTag.trim().toLowerCase();
          if (tag) change.mutate({ add_tags: [tag] }, { onSuccess: () => setNewTag("") });
        }}
      >
        <div className="flex-1">
          <label htmlFor={tagId} className="block text-xs text-ink-muted">
            {t("controls.addTag")}
          </label>
          <input
            id={tagId}
            className="field-input"
            value={newTag}
            onChange={(e) => setNewTag(e.target.value)}
          />
        </div>
        <button type="submit" className="btn-secondary">
          {t("controls.add")}
        </button>
      </form>
    </ControlGroup>
  );
}

export function AssignmentControl({ ticket, me }: { ticket: Ticket; me: Account | undefined }) {
  const { t } = useTranslation();
  const assigneeId = useId();
  const queueId = useId();
  const [assignee, setAssignee] = useState(ticket.assignee ?? "");
  const [queue, setQueue] = useState(ticket.queue ?? "");
  const assign = useTicketChange(ticket.id, (body: { assignee?: string; queue?: string }) =>
    assignTicket(ticket.id, body),
  );
  const unassign = useTicketChange(ticket.id, () => unassignTicket(ticket.id));
  const body = () => ({
    ...(assignee.trim() ? { assignee: assignee.trim() } : {}),
    ...(queue.trim() ? { queue: queue.trim() } : {}),
  });
  return (
    <ControlGroup title={t("controls.assignment")} testId="assignment" error={assign.error ?? unassign.error}>
      <p className="text-xs text-ink-muted">
        {t("controls.assignedTo")}{" "}
        <span className="font-semibold text-ink">{ticket.assignee ?? t("controls.nobody")}</span>
        {ticket.queue ? (
          <>
            {" "}
            {t("controls.inQueue")} <span className="font-semibold text-ink">{ticket.queue}</span>
          </>
        ) : null}
      </p>
      <form
        className="grid grid-cols-2 gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          assign.mutate(body());
        }}
      >
        <div>
          <label htmlFor={assigneeId} className="block text-xs text-ink-muted">
            {t("controls.assignee")}
          </label>
          <input
            id={assigneeId}
            className="field-input"
            value={assignee}
            onChange={(e) => setAssignee(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor={queueId} className="block text-xs text-ink-muted">
            {t("controls.queue")}
          </label>
          <input
            id={queueId}
            className="field-input"
            value={queue}
            onChange={(e) => setQueue(e.target.value)}
          />
        </div>
        <div className="col-span-2 flex flex-wrap gap-2">
          <button type="submit" className="btn-primary" disabled={!assignee.trim() && !queue.trim()}>
            {t("controls.assign")}
          </button>
          {me ? (
            <button
              type="button"
              className="btn-secondary"
              onClick={() => {
                setAssignee(me.id);
                assign.mutate({ assignee: me.id, ...(queue.trim() ? { queue: queue.trim() } : {}) });
              }}
            >
              {t("controls.assignToMe")}
            </button>
          ) : null}
          <button
            type="button"
            className="btn-secondary"
            disabled={!ticket.assignee}
            onClick={() => unassign.mutate(undefined)}
          >
            {t("controls.unassign")}
          </button>
        </div>
      </form>
    </ControlGroup>
  );
}

export function EscalationControl({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation();
  const reasonId = useId();
  const tierId = useId();
  const [reason, setReason] = useState("");
  const [tier, setTier] = useState<"L2" | "engineering">("L2");
  const escalate = useTicketChange(ticket.id, () => escalateTicket(ticket.id, reason.trim(), tier));
  return (
    <ControlGroup title={t("controls.escalation")} testId="escalation" error={escalate.error}>
      {ticket.escalation ? (
        <p className="text-xs text-ink-muted">
          {t("controls.escalatedTo")} <span className="font-semibold text-ink">{ticket.escalation.tier}</span>
          : {ticket.escalation.reason}
        </p>
      ) : null}
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (reason.trim()) escalate.mutate(undefined, { onSuccess: () => setReason("") });
        }}
      >
        <div className="min-w-40 flex-1">
          <label htmlFor={reasonId} className="block text-xs text-ink-muted">
            {t("controls.escalationReason")}
          </label>
          <input
            id={reasonId}
            className="field-input"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            required
          />
        </div>
        <div>
          <label htmlFor={tierId} className="block text-xs text-ink-muted">
            {t("controls.tier")}
          </label>
          <select
            id={tierId}
            className="field-input"
            value={tier}
            onChange={(e) => setTier(e.target.value as "L2" | "engineering")}
          >
            <option value="L2">{t("controls.tierL2")}</option>
            <option value="engineering">{t("controls.tierEngineering")}</option>
          </select>
        </div>
        <button type="submit" className="btn-secondary" disabled={!reason.trim() || escalate.isPending}>
          {t("controls.escalate")}
        </button>
      </form>
    </ControlGroup>
  );
}

// Merge a duplicate into another ticket: its thread moves there and it closes (POST …/merge).
export function MergeControl({
  ticket,
  onOpenTicket,
}: {
  ticket: Ticket;
  onOpenTicket: (id: string) => void;
}) {
  const { t } = useTranslation();
  const intoId = useId();
  const [into, setInto] = useState("");
  const merge = useTicketChange(ticket.id, (target: string) => mergeTicket(ticket.id, target));
  const mergedInto = ticket.merged_into;
  const links = (
    <>
      {mergedInto ? (
        <p className="text-xs text-ink-muted" data-testid="merged-into">
          {t("controls.mergedInto")}{" "}
          <button
            type="button"
            className="font-semibold text-brand underline"
            onClick={() => onOpenTicket(mergedInto.id)}
          >
            {mergedInto.reference}
          </button>
        </p>
      ) : null}
      {ticket.merged_from?.length ? (
        <p className="text-xs text-ink-muted">
          {t("controls.mergedFrom")}{" "}
          {ticket.merged_from.map((source) => (
            <button
              key={source.id}
              type="button"
              className="mr-1 font-semibold text-brand underline"
              onClick={() => onOpenTicket(source.id)}
            >
              {source.reference}
            </button>
          ))}
        </p>
      ) : null}
    </>
  );
  return (
    <ControlGroup title={t("controls.merge")} testId="merge" error={merge.error}>
      {links}
      {mergedInto ? null : (
        <form
          className="flex flex-wrap items-end gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (into.trim()) merge.mutate(into.trim().toUpperCase(), { onSuccess: () => setInto("") });
          }}
        >
          <div className="min-w-40 flex-1">
            <label htmlFor={intoId} className="block text-xs text-ink-muted">
              {t("controls.mergeInto")}
            </label>
            <input
              id={intoId}
              className="field-input"
              placeholder="DVK-1004"
              value={into}
              onChange={(e) => setInto(e.target.value)}
            />
          </div>
          <button type="submit" className="btn-secondary" disabled={!into.trim() || merge.isPending}>
            {t("controls.mergeButton")}
          </button>
        </form>
      )}
    </ControlGroup>
  );
}
