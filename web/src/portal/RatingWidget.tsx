// The customer's satisfaction rating: on a resolved ticket, good or bad with an optional comment,
// changeable until the ticket closes; on a closed ticket, the rating given, read-only.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { fetchTrackedTicket, rateTicket } from "../api/publicApi";
import type { Rating, Ticket } from "../api/types";
import { Field } from "../components/Field";

const MAX_COMMENT = 2000;
const CHOICES: { rating: Rating; icon: string }[] = [
  { rating: "good", icon: "✓" },
  { rating: "bad", icon: "✗" },
];

interface RatingWidgetProps {
  ticket: Ticket;
  token: string;
  // Where the page keeps its copy of the ticket, to store the rated version in.
  queryKey: readonly unknown[];
}

export function RatingWidget({ ticket, token, queryKey }: RatingWidgetProps) {
  const { t } = useTranslation();
  const current = ticket.satisfaction ?? null;
  if (ticket.status === "closed") {
    if (!current) return null;
    return (
      <section className="card space-y-1" aria-labelledby="rating-title" data-testid="rating-readonly">
        <h2 id="rating-title" className="text-lg font-semibold text-ink">
          {t("rating.title")}
        </h2>
        <CurrentRating rating={current.rating} comment={current.comment} />
        <p className="text-xs text-ink-muted">{t("rating.closed")}</p>
      </section>
    );
  }
  if (ticket.status !== "resolved") return null;
  // Keyed by the rating shown, so the form starts from what was last saved.
  return (
    <RatingForm
      key={`${current?.rating ?? ""}|${current?.comment ?? ""}`}
      ticket={ticket}
      token={token}
      queryKey={queryKey}
    />
  );
}

function CurrentRating({ rating, comment }: { rating: Rating; comment: string | null }) {
  const { t } = useTranslation();
  return (
    <div data-testid="current-rating" data-rating={rating} className="text-sm">
      <p className="font-medium">{t("rating.current", { rating: t(`rating.${rating}`) })}</p>
      {comment ? <p className="break-words text-ink-muted">{t("rating.yourComment", { comment })}</p> : null}
    </div>
  );
}

function RatingForm({ ticket, token, queryKey }: RatingWidgetProps) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const current = ticket.satisfaction ?? null;
  const [choice, setChoice] = useState<Rating | null>(current?.rating ?? null);
  const [comment, setComment] = useState(current?.comment ?? "");
  const [problem, setProblem] = useState<string | null>(null);
  const [commentError, setCommentError] = useState<string | undefined>();

  const rate = useMutation({
    mutationFn: (input: { rating: Rating; comment: string }) =>
      rateTicket(ticket.id, token, input.rating, input.comment.trim() || undefined),
    onSuccess: async (answer) => {
      const fresh = await fetchTrackedTicket(ticket.id, token, answer.version);
      queryClient.setQueryData(queryKey, (old: Ticket | undefined) =>
        old && old.version > fresh.version ? old : fresh,
      );
    },
    onError: (failure) => setProblem(failure.message),
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(null);
    setCommentError(undefined);
    if (!choice) {
      setProblem(t("rating.pickFirst"));
      return;
    }
    if (comment.length > MAX_COMMENT) {
      setCommentError(t("rating.tooLong"));
      return;
    }
    rate.mutate({ rating: choice, comment });
  };

  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="card space-y-3"
      aria-labelledby="rating-title"
      data-testid="rating-widget"
    >
      <h2 id="rating-title" className="text-lg font-semibold text-ink">
        {t("rating.title")}
      </h2>
      <p className="text-sm text-ink-muted">{t("rating.intro")}</p>
      {current ? <CurrentRating rating={current.rating} comment={current.comment} /> : null}
      <div role="group" aria-label={t("rating.choose")} className="flex gap-2">
        {CHOICES.map(({ rating, icon }) => (
          <button
            key={rating}
            type="button"
            aria-pressed={choice === rating}
            onClick={() => setChoice(rating)}
            className={choice === rating ? "btn-primary" : "btn-secondary"}
          >
            <span aria-hidden="true">{icon}</span> {t(`rating.${rating}`)}
          </button>
        ))}
      </div>
      <Field label={t("rating.comment")} error={commentError}>
        {({ id, describedBy, invalid }) => (
          <textarea
            id={id}
            rows={3}
            className="field-input"
            aria-describedby={describedBy}
            aria-invalid={invalid}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
        )}
      </Field>
      {problem ? (
        <p role="alert" className="text-sm font-medium text-danger" data-testid="rating-error">
          {problem}
        </p>
      ) : null}
      <div className="flex justify-end">
        <button type="submit" className="btn-primary" disabled={rate.isPending}>
          {rate.isPending ? t("rating.sending") : current ? t("rating.change") : t("rating.submit")}
        </button>
      </div>
    </form>
  );
}
