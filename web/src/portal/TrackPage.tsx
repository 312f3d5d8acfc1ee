// /support/track/:ticketKey?token=…: the customer's view of one ticket, kept live over /ws.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";

import { ApiError } from "../api/http";
import { attachmentHref, fetchTrackedTicket, postCustomerReply, trackingPath } from "../api/publicApi";
import type { LiveMessage, Ticket } from "../api/types";
import { PriorityBadge, StatusBadge } from "../components/Badges";
import { Field } from "../components/Field";
import { formatDateTime } from "../components/format";
import { Thread } from "../components/Thread";
import { useLabels } from "../i18n/labels";
import { useLiveFeed, type LiveState } from "../live/useLiveFeed";
import { LiveIndicator } from "../live/LiveIndicator";
import { PortalLayout } from "./PortalLayout";
import { RatingWidget } from "./RatingWidget";

function trackedKey(ticketKey: string) {
  return ["tracked-ticket", ticketKey] as const;
}

export function TrackPage() {
  const { t } = useTranslation();
  const labels = useLabels();
  const { ticketKey = "" } = useParams();
  const [search] = useSearchParams();
  const token = search.get("token") ?? "";
  const queryClient = useQueryClient();
  const [announcement, setAnnouncement] = useState("");

  const ticket = useQuery({
    queryKey: trackedKey(ticketKey),
    queryFn: () => fetchTrackedTicket(ticketKey, token),
    enabled: Boolean(token),
    // A ticket submitted a moment ago may not be in the read model yet: a 404 is retried briefly.
    retry: (count, error) => (error instanceof ApiError && error.status === 404 ? count < 4 : count < 2),
    retryDelay: 750,
  });
  const ticketId = ticket.data?.id;

  const onLive = useCallback(
    (message: LiveMessage) => {
      if (message.type === "ticket.presence") return; // staff only; never sent to customers
      const old = queryClient.getQueryData<Ticket>(trackedKey(ticketKey));
      if (old && message.version <= old.version) return;
      if (message.ticket.version === message.version && message.ticket.reference) {
        queryClient.setQueryData(trackedKey(ticketKey), message.ticket as Ticket);
      } else {
        // The read model had not caught up when the message left: read the version it announced.
        void fetchTrackedTicket(ticketKey, token, message.version).then((fresh) =>
          queryClient.setQueryData(trackedKey(ticketKey), fresh),
        );
      }
      setAnnouncement(
        message.type === "ticket.reply" && message.message?.from === "agent"
          ? t("track.newReply")
          : message.type === "ticket.updated" && message.ticket.status
            ? t("track.updated", { status: labels.status(message.ticket.status) })
            : "",
      );
    },
    [queryClient, ticketKey, token, t, labels],
  );
  const { state: liveState } = useLiveFeed({
    path: ticketId ? `/ws?ticket=${ticketId}&token=${encodeURIComponent(token)}` : null,
    onMessage: onLive,
    onConnected: () => void queryClient.invalidateQueries({ queryKey: trackedKey(ticketKey) }),
  });

  return (
    <PortalLayout>
      <div className="mx-auto max-w-3xl space-y-6">
        <p aria-live="polite" className="sr-only" data-testid="live-announcement">
          {announcement}
        </p>
        {!token ? (
          <p className="card text-sm">
            {t("track.noToken")}{" "}
            <Link to="/support/track" className="text-brand underline">
              {t("track.enterToken")}
            </Link>
            .
          </p>
        ) : ticket.isPending ? (
          <p className="text-sm text-ink-muted">{t("track.loading")}</p>
        ) : ticket.isError ? (
          <div className="card space-y-2" role="alert">
            <p className="font-semibold text-danger">
              {ticket.error instanceof ApiError && ticket.error.status === 404
                ? t("track.notFound")
                : ticket.error.message}
            </p>
            <Link to="/support/track" className="text-brand underline">
              {t("track.tryAnother")}
            </Link>
          </div>
        ) : (
          <TrackedTicket ticketKey={ticketKey} ticket={ticket.data} token={token} live={liveState} />
        )}
      </div>
    </PortalLayout>
  );
}

interface TrackedTicketProps {
  ticketKey: string;
  ticket: Ticket;
  token: string;
  live: LiveState;
}

function TrackedTicket({ ticketKey, ticket, token, live }: TrackedTicketProps) {
  const { t } = useTranslation();
  const labels = useLabels();
  return (
    <>
      <section className="card space-y-3" aria-labelledby="ticket-subject">
        <div className="flex flex-wrap items-start justify-between gap-2">
          <div>
            <p className="text-sm font-semibold text-brand" data-testid="track-reference">
              {ticket.reference}
            </p>
            <h1 id="ticket-subject" className="text-xl font-bold text-ink">
              {ticket.subject}
            </h1>
          </div>
          <LiveIndicator state={live} />
        </div>
        <dl className="grid grid-cols-2 gap-x-6 gap-y-2 text-sm sm:grid-cols-4">
          <div>
            <dt className="text-ink-faint">{t("track.status")}</dt>
            <dd data-testid="track-status">
              <StatusBadge status={ticket.status} />
            </dd>
          </div>
          <div>
            <dt className="text-ink-faint">{t("track.priority")}</dt>
            <dd>
              <PriorityBadge priority={ticket.priority} />
            </dd>
          </div>
          <div>
            <dt className="text-ink-faint">{t("track.category")}</dt>
            <dd>{labels.category(ticket.category)}</dd>
          </div>
          <div>
            <dt className="text-ink-faint">{t("track.opened")}</dt>
            <dd>{formatDateTime(ticket.created_at)}</dd>
          </div>
          <div>
            <dt className="text-ink-faint">{t("track.lastUpdate")}</dt>
            <dd>{formatDateTime(ticket.updated_at)}</dd>
          </div>
        </dl>
      </section>
      {ticket.merged_into ? (
        <p className="card text-sm" role="status" data-testid="merged-notice">
          {t("track.merged", { reference: ticket.merged_into.reference })}
        </p>
      ) : null}
      <section className="space-y-3" aria-label={t("track.messages")}>
        <h2 className="text-lg font-semibold text-ink">{t("thread.label")}</h2>
        <Thread
          messages={ticket.thread}
          audience="customer"
          attachmentHref={(file) => attachmentHref(ticket.id, file.attachment_id, token)}
        />
      </section>
      <RatingWidget ticket={ticket} token={token} queryKey={trackedKey(ticketKey)} />
      <CustomerReplyBox ticketKey={ticketKey} ticket={ticket} token={token} />
    </>
  );
}

function CustomerReplyBox({
  ticketKey,
  ticket,
  token,
}: {
  ticketKey: string;
  ticket: Ticket;
  token: string;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [error, setError] = useState<string | undefined>();
  const [followUp, setFollowUp] = useState<{ id: string; tracking_token: string } | null>(null);

  const reply = useMutation({
    mutationFn: (message: string) => postCustomerReply(ticket.id, token, message),
    onSuccess: async (answer) => {
      setText("");
      if (answer.follow_up) {
        setFollowUp(answer.follow_up);
        return;
      }
      const fresh = await fetchTrackedTicket(ticketKey, token, answer.version);
      queryClient.setQueryData(trackedKey(ticketKey), (old: Ticket | undefined) =>
        old && old.version > fresh.version ? old : fresh,
      );
    },
    onError: (failure) => setError(failure.message),
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) {
      setError(t("track.writeFirst"));
      return;
    }
    setError(undefined);
    reply.mutate(text);
  };

  return (
    <form onSubmit={onSubmit} noValidate className="card space-y-3" aria-label={t("track.replyForm")}>
      {ticket.status === "closed" ? <p className="text-sm text-ink-muted">{t("track.closedNote")}</p> : null}
      {followUp ? (
        <p className="rounded-control bg-success-light p-3 text-sm text-success" role="status">
          {t("track.followUp")}{" "}
          <Link className="underline" to={trackingPath(followUp.id, followUp.tracking_token)}>
            {t("track.followHere")}
          </Link>
          .
        </p>
      ) : null}
      <Field label={t("track.yourReply")} error={error}>
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            rows={4}
            className="field-input"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={text}
            onChange={(e) => setText(e.target.value)}
          />
        )}
      </Field>
      <div className="flex justify-end">
        <button type="submit" className="btn-primary" disabled={reply.isPending}>
          {reply.isPending ? t("track.sending") : t("track.send")}
        </button>
      </div>
    </form>
  );
}
