// The knowledge side of the detail panel: published articles that match the open ticket (each
// with "Insert link" and "Flag as outdated"), the articles already linked in its thread, "Suggest a
// new article", and up to 5 earlier tickets like it.
import { useQuery } from "@tanstack/react-query";
import type { MouseEvent } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/http";
import { fetchSimilarTickets, suggestArticles } from "../../api/staffApi";
import type { Ticket } from "../../api/types";
import { StatusBadge } from "../../components/Badges";
import { FlagOutdated, SuggestNewArticle } from "./ArticleFeedback";
import type { PickedArticle } from "./KbLinkPicker";
import { articleUrl, linkedSlugs } from "./kbLink";

// What the suggestions are asked for: the subject and the customer's first message.
const QUERY_CHARS = 2_000;
const SHOWN = 5;
// The knowledge service indexes a new ticket from the log a moment after it is submitted.
const NOT_INDEXED_RETRIES = 8;

interface TicketKnowledgeProps {
  ticket: Ticket;
  onInsert: (article: PickedArticle) => void;
  onOpenTicket: (id: string) => void;
}

export function TicketKnowledge({ ticket, onInsert, onOpenTicket }: TicketKnowledgeProps) {
  return (
    <>
      <SuggestedArticles ticket={ticket} onInsert={onInsert} />
      <SimilarTickets ticket={ticket} onOpenTicket={onOpenTicket} />
    </>
  );
}

function suggestionQuery(ticket: Ticket): string {
  const first = ticket.thread.find((m) => m.from === "customer" && !m.internal)?.message ?? "";
  return `${ticket.subject}\n${first}`.slice(0, QUERY_CHARS);
}

function SuggestedArticles({ ticket, onInsert }: { ticket: Ticket; onInsert: (a: PickedArticle) => void }) {
  const { t } = useTranslation();
  const q = suggestionQuery(ticket);
  const suggested = useQuery({
    queryKey: ["kb-suggest", ticket.id, q],
    queryFn: ({ signal }) => suggestArticles(q, signal),
    staleTime: 60_000,
  });
  const items = (suggested.data ?? []).slice(0, SHOWN);
  const shownSlugs = new Set(items.map((a) => a.slug));
  const linked = linkedSlugs(ticket.thread.map((m) => m.message).join("\n")).filter(
    (s) => !shownSlugs.has(s),
  );

  return (
    <section
      aria-labelledby="panel-kb-suggested"
      className="space-y-2 rounded-card border border-line bg-surface-raised p-3"
      data-testid="suggested-articles"
    >
      <h3 id="panel-kb-suggested" className="text-sm font-semibold uppercase tracking-wide text-ink-muted">
        {t("kbConsole.suggested")}
      </h3>
      {suggested.isPending ? <p className="text-xs text-ink-faint">{t("common.loading")}</p> : null}
      {suggested.isError ? (
        <p role="alert" className="text-xs text-danger">
          {t("kbConsole.suggestFailed", { reason: suggested.error.message })}
        </p>
      ) : null}
      {suggested.data && !items.length ? (
        <p className="text-xs text-ink-muted">{t("kbConsole.noSuggestions")}</p>
      ) : null}
      {items.length ? (
        <ul className="space-y-2">
          {items.map((article) => (
            <li key={article.slug} className="space-y-1 text-sm" data-slug={article.slug}>
              <a
                href={articleUrl(article.slug)}
                target="_blank"
                rel="noreferrer"
                className="font-medium text-brand-dark underline"
              >
                {article.title}
              </a>
              {article.snippet ? <p className="text-xs text-ink-muted">{article.snippet}</p> : null}
              <div className="flex flex-wrap items-center gap-2">
                <button
                  type="button"
                  className="btn-secondary py-1 text-xs"
                  aria-label={t("kbConsole.insertArticle", { title: article.title })}
                  onClick={() => onInsert(article)}
                >
                  {t("kbConsole.insert")}
                </button>
                <FlagOutdated ticket={ticket} slug={article.slug} title={article.title} />
              </div>
            </li>
          ))}
        </ul>
      ) : null}
      {linked.length ? (
        <div className="space-y-1 border-t border-line pt-2" data-testid="linked-articles">
          <h4 className="text-xs font-semibold text-ink-muted">{t("kbConsole.linked")}</h4>
          <ul className="space-y-1">
            {linked.map((slug) => (
              <li key={slug} className="flex flex-wrap items-center gap-2 text-sm" data-slug={slug}>
                <a
                  href={articleUrl(slug)}
                  target="_blank"
                  rel="noreferrer"
                  className="text-brand-dark underline"
                >
                  {slug}
                </a>
                <FlagOutdated ticket={ticket} slug={slug} title={slug} />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <SuggestNewArticle ticket={ticket} />
    </section>
  );
}

function SimilarTickets({ ticket, onOpenTicket }: { ticket: Ticket; onOpenTicket: (id: string) => void }) {
  const { t } = useTranslation();
  const similar = useQuery({
    queryKey: ["kb-similar", ticket.id],
    queryFn: () => fetchSimilarTickets(ticket.id),
    staleTime: 60_000,
    retry: (count, error) => error instanceof ApiError && error.status === 404 && count < NOT_INDEXED_RETRIES,
    retryDelay: (count) => Math.min(500 * 2 ** count, 4_000),
  });
  const open = (event: MouseEvent<HTMLAnchorElement>, id: string) => {
    // A plain click opens it here; a middle or modified click keeps the browser's own behaviour.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    onOpenTicket(id);
  };
  const items = (similar.data ?? []).slice(0, SHOWN);

  return (
    <section
      aria-labelledby="panel-kb-similar"
      className="space-y-2 rounded-card border border-line bg-surface-raised p-3"
      data-testid="similar-tickets"
    >
      <h3 id="panel-kb-similar" className="text-sm font-semibold uppercase tracking-wide text-ink-muted">
        {t("kbConsole.similar")}
      </h3>
      {similar.isPending ? <p className="text-xs text-ink-faint">{t("common.loading")}</p> : null}
      {similar.isError ? (
        <p role="alert" className="text-xs text-danger">
          {similar.error instanceof ApiError && similar.error.status === 404
            ? t("kbConsole.similarNotYet")
            : t("kbConsole.similarFailed", { reason: similar.error.message })}
        </p>
      ) : null}
      {similar.data && !items.length ? (
        <p className="text-xs text-ink-muted">{t("kbConsole.noSimilar")}</p>
      ) : null}
      {items.length ? (
        <ul className="space-y-1">
          {items.map((other) => (
            <li
              key={other.id}
              className="flex flex-wrap items-center gap-2 text-sm"
              data-ticket-id={other.id}
            >
              <a
                href={`/admin?ticket=${encodeURIComponent(other.id)}`}
                onClick={(event) => open(event, other.id)}
                className="font-medium text-brand-dark underline"
                aria-label={t("kbConsole.openTicket", { reference: other.reference, subject: other.subject })}
              >
                {other.reference}
              </a>
              <span className="min-w-0 flex-1 truncate">{other.subject}</span>
              <StatusBadge status={other.status} />
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}
