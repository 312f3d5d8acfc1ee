// The slide-out panel of one ticket: customer, thread, composer, knowledge (suggested articles and
// similar tickets), controls and history. Esc closes it.
import { useQuery } from "@tanstack/react-query";
import { useEffect, useLayoutEffect, useRef } from "react";
import { useTranslation } from "react-i18next";

import { attachmentHref } from "../api/publicApi";
import { useSession } from "../api/session";
import { fetchStaffTicket } from "../api/staffApi";
import type { Account, Ticket } from "../api/types";
import { PriorityBadge, StatusBadge } from "../components/Badges";
import { formatDateTime } from "../components/format";
import { Thread } from "../components/Thread";
import { useLabels } from "../i18n/labels";
import { staffAttachmentOpener } from "./attachmentDownload";
import { HistoryList } from "./HistoryList";
import { TicketKnowledge } from "./knowledge/TicketKnowledge";
import { PresenceStrip } from "./PresenceStrip";
import { ReplyComposer, type ComposerHandle } from "./ReplyComposer";
import { SlaAndRouting } from "./SlaAndRouting";
import { ticketKey } from "./ticketCache";
import { usePresence, type PresenceLink } from "./usePresence";
import {
  AssignmentControl,
  EscalationControl,
  FieldsControl,
  MergeControl,
  StatusControl,
} from "./TicketControls";

interface DetailPanelProps {
  ticketId: string;
  me: Account | undefined;
  presence: PresenceLink;
  onClose: () => void;
  onOpenTicket: (id: string) => void;
}

export function DetailPanel({ ticketId, me, presence, onClose, onOpenTicket }: DetailPanelProps) {
  const { t } = useTranslation();
  const panel = useRef<HTMLElement>(null);
  const { others, typing } = usePresence(ticketId, me?.id, presence);
  const ticket = useQuery({ queryKey: ticketKey(ticketId), queryFn: () => fetchStaffTicket(ticketId) });
  const close = useRef(onClose);
  useLayoutEffect(() => {
    close.current = onClose;
  });

  useEffect(() => {
    const returnFocusTo = document.activeElement as HTMLElement | null;
    panel.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") close.current();
    };
    window.addEventListener("keydown", onKey);
    return () => {
      window.removeEventListener("keydown", onKey);
      returnFocusTo?.focus?.();
    };
  }, [ticketId]);

  return (
    <aside
      ref={panel}
      tabIndex={-1}
      role="dialog"
      aria-modal="false"
      aria-labelledby="panel-title"
      data-testid="detail-panel"
      className="fixed inset-y-0 right-0 z-20 w-full max-w-panel overflow-y-auto border-l border-line bg-surface shadow-2xl focus:outline-none"
    >
      <div className="sticky top-0 z-10 space-y-2 border-b border-line bg-surface-raised px-4 py-3">
        <div className="flex items-center justify-between gap-2">
          <h2 id="panel-title" className="truncate text-lg font-semibold text-ink">
            {ticket.data ? `${ticket.data.reference} · ${ticket.data.subject}` : t("panel.ticket")}
          </h2>
          <button type="button" className="btn-secondary" onClick={onClose} aria-label={t("panel.close")}>
            {t("common.close")}
          </button>
        </div>
        <PresenceStrip others={others} />
      </div>
      <div className="space-y-4 p-4">
        {ticket.isPending ? <p className="text-sm text-ink-faint">{t("common.loading")}</p> : null}
        {ticket.isError ? (
          <p role="alert" className="text-sm text-danger">
            {ticket.error.message}
          </p>
        ) : null}
        {ticket.data ? (
          <TicketDetail ticket={ticket.data} me={me} onOpenTicket={onOpenTicket} onTyping={typing} />
        ) : null}
      </div>
    </aside>
  );
}

function TicketDetail({
  ticket,
  me,
  onOpenTicket,
  onTyping,
}: {
  ticket: Ticket;
  me: Account | undefined;
  onOpenTicket: (id: string) => void;
  onTyping: () => void;
}) {
  const { t } = useTranslation();
  const labels = useLabels();
  const session = useSession();
  const composer = useRef<ComposerHandle>(null);
  return (
    <>
      <section className="card space-y-2" aria-label={t("panel.summary")}>
        <div className="flex flex-wrap items-center gap-2">
          <span data-testid="panel-status">
            <StatusBadge status={ticket.status} />
          </span>
          <PriorityBadge priority={ticket.priority} />
          <span className="text-xs text-ink-muted">
            {labels.category(ticket.category)} · {t("panel.via", { channel: ticket.channel })}
          </span>
        </div>
        <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-sm">
          <dt className="text-ink-faint">{t("panel.customer")}</dt>
          <dd>{ticket.customer.name}</dd>
          <dt className="text-ink-faint">{t("panel.email")}</dt>
          <dd className="break-all">{ticket.customer.email}</dd>
          {ticket.customer.phone ? (
            <>
              <dt className="text-ink-faint">{t("panel.phone")}</dt>
              <dd>{ticket.customer.phone}</dd>
            </>
          ) : null}
          <dt className="text-ink-faint">{t("panel.created")}</dt>
          <dd>{formatDateTime(ticket.created_at)}</dd>
          <dt className="text-ink-faint">{t("panel.updated")}</dt>
          <dd>{formatDateTime(ticket.updated_at)}</dd>
          {ticket.satisfaction ? (
            <>
              <dt className="text-ink-faint">{t("panel.satisfaction")}</dt>
              <dd data-testid="panel-satisfaction" data-rating={ticket.satisfaction.rating}>
                <span className="font-semibold">{t(`rating.${ticket.satisfaction.rating}`)}</span>
                {ticket.satisfaction.comment ? ` · “${ticket.satisfaction.comment}”` : ""}
                <span className="block text-xs text-ink-faint">{formatDateTime(ticket.satisfaction.at)}</span>
              </dd>
            </>
          ) : null}
        </dl>
        <SlaAndRouting ticket={ticket} />
      </section>
      <section aria-labelledby="panel-thread" className="space-y-2">
        <h3 id="panel-thread" className="text-sm font-semibold uppercase tracking-wide text-ink-muted">
          {t("panel.conversation")}
        </h3>
        <Thread
          messages={ticket.thread}
          audience="staff"
          attachmentHref={(file) => attachmentHref(ticket.id, file.attachment_id)}
          onOpenAttachment={staffAttachmentOpener(session?.accessToken)}
        />
      </section>
      <ReplyComposer key={ticket.id} ref={composer} ticket={ticket} myId={me?.id} onTyping={onTyping} />
      <TicketKnowledge
        ticket={ticket}
        onInsert={(article) => composer.current?.insertArticleLink(article)}
        onOpenTicket={onOpenTicket}
      />
      <StatusControl ticket={ticket} />
      <FieldsControl ticket={ticket} />
      <AssignmentControl key={`${ticket.assignee}-${ticket.queue}`} ticket={ticket} me={me} />
      <EscalationControl ticket={ticket} />
      <MergeControl ticket={ticket} onOpenTicket={onOpenTicket} />
      <details className="rounded-card border border-line bg-surface-raised p-3">
        <summary className="cursor-pointer text-sm font-semibold">{t("panel.history")}</summary>
        <div className="mt-2">
          <HistoryList ticketId={ticket.id} />
        </div>
      </details>
    </>
  );
}
