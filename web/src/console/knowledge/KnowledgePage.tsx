// /admin/knowledge (editors, managers and admins): the Knowledge Suggestions agents raised from
// tickets, the self-service deflection rate, and the articles in every status with drafting,
// publishing and archiving. Anyone else gets a polite "not for your role".
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import {
  archiveArticle,
  closeKbSuggestion,
  createArticleDraft,
  fetchAdminArticles,
  fetchDeflectionRate,
  fetchKbSuggestions,
  publishArticle,
} from "../../api/staffApi";
import {
  CATEGORIES,
  type Account,
  type AdminArticle,
  type ArticleStatus,
  type KbSuggestion,
} from "../../api/types";
import { formatDateTime } from "../../components/format";
import { mayEditKnowledge } from "../ConsoleNav";
import { ConsoleShell } from "../ConsoleShell";
import { articleUrl } from "./kbLink";

const SUGGESTIONS_KEY = ["kb-admin-suggestions"] as const;
const ARTICLES_KEY = ["kb-admin-articles"] as const;
const ARTICLE_STATUSES: readonly ArticleStatus[] = ["draft", "published", "archived"];

const statusClass: Record<ArticleStatus, string> = {
  draft: "border-note-border bg-note text-note-ink",
  published: "border-success bg-success-light text-success",
  archived: "border-line-strong bg-surface-sunken text-ink-muted",
};

export function KnowledgePage() {
  const { t } = useTranslation();
  return (
    <ConsoleShell title={t("kbConsole.pageTitle")}>
      {(me) =>
        mayEditKnowledge(me.role) ? (
          <KnowledgeBoard me={me} />
        ) : (
          <p
            role="status"
            className="rounded-card bg-surface-raised p-4 text-sm text-ink"
            data-testid="knowledge-forbidden"
          >
            {t("kbConsole.forbidden")}
          </p>
        )
      }
    </ConsoleShell>
  );
}

function KnowledgeBoard({ me }: { me: Account }) {
  return (
    <div className="space-y-6">
      <DeflectionFigure />
      <SuggestionsList me={me} />
      <ArticlesList />
    </div>
  );
}

function DeflectionFigure() {
  const { t } = useTranslation();
  const rate = useQuery({
    queryKey: ["kb-deflection-rate"],
    queryFn: fetchDeflectionRate,
    staleTime: 30_000,
  });
  return (
    <section aria-labelledby="kb-deflection" className="card space-y-1" data-testid="deflection-rate">
      <h2 id="kb-deflection" className="text-sm font-semibold uppercase tracking-wide text-ink-muted">
        {t("kbConsole.deflection")}
      </h2>
      {rate.isPending ? <p className="text-sm text-ink-muted">{t("common.loading")}</p> : null}
      {rate.isError ? (
        <p role="alert" className="text-sm text-danger">
          {rate.error.message}
        </p>
      ) : null}
      {rate.data ? (
        <>
          <p className="text-3xl font-semibold tabular-nums text-ink" data-testid="deflection-figure">
            {rate.data.rate === null
              ? t("kbConsole.deflectionNone")
              : new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 }).format(
                  rate.data.rate,
                )}
          </p>
          {rate.data.rate === null ? null : (
            <p className="text-xs text-ink-muted">
              {t("kbConsole.deflectionDetail", {
                deflected: rate.data.deflected,
                opened: rate.data.sessions_with_article_opened,
              })}
            </p>
          )}
        </>
      ) : null}
    </section>
  );
}

function SuggestionsList({ me }: { me: Account }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<"open" | "done">("open");
  const suggestions = useQuery({
    queryKey: [...SUGGESTIONS_KEY, status],
    queryFn: () => fetchKbSuggestions(status),
    refetchInterval: 30_000,
  });
  const close = useMutation({
    mutationFn: (id: string) => closeKbSuggestion(id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: SUGGESTIONS_KEY }),
  });
  const items = suggestions.data ?? [];
  const who = (s: KbSuggestion) =>
    s.raised_by && s.raised_by === me.id ? t("kbConsole.you") : (s.raised_by_name ?? s.raised_by ?? "—");

  return (
    <section aria-labelledby="kb-suggestions" className="space-y-2">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="kb-suggestions" className="text-lg font-semibold text-ink">
          {t("kbConsole.suggestions")}
        </h2>
        <div role="group" aria-label={t("kbConsole.suggestionsShow")} className="flex gap-1">
          {(["open", "done"] as const).map((s) => (
            <button
              key={s}
              type="button"
              aria-pressed={status === s}
              className={`rounded-control px-2 py-1 text-sm font-medium ${status === s ? "bg-brand-light text-brand-dark" : "text-ink-muted hover:text-ink"}`}
              onClick={() => setStatus(s)}
            >
              {t(`kbConsole.suggestionStatus.${s}`)}
            </button>
          ))}
        </div>
      </div>
      {suggestions.isError ? (
        <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
          {suggestions.error.message}
        </p>
      ) : null}
      {close.isError ? (
        <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
          {close.error.message}
        </p>
      ) : null}
      {suggestions.isPending ? <p className="text-sm text-ink-muted">{t("common.loading")}</p> : null}
      {suggestions.data && !items.length ? (
        <p className="text-sm text-ink-muted">{t("kbConsole.noOpenSuggestions")}</p>
      ) : null}
      {items.length ? (
        <div className="overflow-x-auto rounded-card border border-line bg-surface-raised">
          <table className="w-full text-left text-sm" data-testid="kb-suggestions">
            <caption className="sr-only">{t("kbConsole.suggestions")}</caption>
            <thead className="bg-surface-sunken text-xs text-ink-muted">
              <tr>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.kind")}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.article")}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.note")}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.ticket")}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.raisedBy")}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.when")}
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">{t("kbConsole.columns.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => {
                const about = s.kind === "outdated" ? (s.article ?? "—") : (s.title ?? "—");
                return (
                  <tr
                    key={s.id}
                    className="border-t border-line"
                    data-testid="kb-suggestion"
                    data-kind={s.kind}
                  >
                    <td className="px-3 py-2 font-medium">{t(`kbConsole.kind.${s.kind}`)}</td>
                    <td className="px-3 py-2">
                      {s.kind === "outdated" && s.article ? (
                        <a
                          href={articleUrl(s.article)}
                          target="_blank"
                          rel="noreferrer"
                          className="text-brand-dark underline"
                        >
                          {s.article}
                        </a>
                      ) : (
                        about
                      )}
                    </td>
                    <td className="max-w-xs px-3 py-2 text-ink-muted">{s.note || "—"}</td>
                    <td className="whitespace-nowrap px-3 py-2">
                      <a
                        href={`/admin?ticket=${encodeURIComponent(s.ticket_id)}`}
                        className="font-medium text-brand-dark underline"
                        data-testid="kb-suggestion-ticket"
                      >
                        {s.ticket_reference ?? s.ticket_id}
                      </a>
                    </td>
                    <td className="px-3 py-2 text-xs">{who(s)}</td>
                    <td className="whitespace-nowrap px-3 py-2 text-xs">{formatDateTime(s.created_at)}</td>
                    <td className="px-3 py-2 text-right">
                      {s.status === "open" ? (
                        <button
                          type="button"
                          className="btn-secondary py-1 text-xs"
                          aria-label={t("kbConsole.closeSuggestion", { about })}
                          disabled={close.isPending && close.variables === s.id}
                          onClick={() => close.mutate(s.id)}
                        >
                          {t("kbConsole.close")}
                        </button>
                      ) : (
                        <span className="text-xs text-ink-muted">
                          {t("kbConsole.closedAt", { at: formatDateTime(s.closed_at) })}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function ArticlesList() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const filterId = useId();
  const [status, setStatus] = useState<ArticleStatus | "">("");
  const articles = useQuery({
    queryKey: [...ARTICLES_KEY, status],
    queryFn: () => fetchAdminArticles(status || undefined),
  });
  const change = useMutation({
    mutationFn: ({ article, to }: { article: AdminArticle; to: "publish" | "archive" }) =>
      to === "publish"
        ? publishArticle(article.id, article.version)
        : archiveArticle(article.id, article.version),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ARTICLES_KEY }),
  });
  const items = articles.data ?? [];

  return (
    <section aria-labelledby="kb-articles" className="space-y-2">
      <div className="flex flex-wrap items-end justify-between gap-2">
        <h2 id="kb-articles" className="text-lg font-semibold text-ink">
          {t("kbConsole.articles")}
        </h2>
        <div>
          <label htmlFor={filterId} className="block text-xs text-ink-muted">
            {t("kbConsole.statusFilter")}
          </label>
          <select
            id={filterId}
            className="field-input py-1"
            value={status}
            onChange={(e) => setStatus(e.target.value as ArticleStatus | "")}
          >
            <option value="">{t("kbConsole.allStatuses")}</option>
            {ARTICLE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`kbConsole.articleStatus.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <NewDraftForm onCreated={() => void queryClient.invalidateQueries({ queryKey: ARTICLES_KEY })} />
      {articles.isError ? (
        <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
          {articles.error.message}
        </p>
      ) : null}
      {change.isError ? (
        <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
          {change.error.message}
        </p>
      ) : null}
      {articles.isPending ? <p className="text-sm text-ink-muted">{t("common.loading")}</p> : null}
      {articles.data && !items.length ? (
        <p className="text-sm text-ink-muted">{t("kbConsole.noArticles")}</p>
      ) : null}
      {items.length ? (
        <div className="overflow-x-auto rounded-card border border-line bg-surface-raised">
          <table className="w-full text-left text-sm" data-testid="kb-articles">
            <caption className="sr-only">{t("kbConsole.articles")}</caption>
            <thead className="bg-surface-sunken text-xs text-ink-muted">
              <tr>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.title")}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.status")}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.category")}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.language")}
                </th>
                <th scope="col" className="px-3 py-2">
                  {t("kbConsole.columns.updated")}
                </th>
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">{t("kbConsole.columns.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((article) => {
                const busy = change.isPending && change.variables.article.id === article.id;
                return (
                  <tr
                    key={article.id}
                    className="border-t border-line"
                    data-testid="kb-article"
                    data-status={article.status}
                  >
                    <th scope="row" className="px-3 py-2 font-medium text-ink">
                      {article.status === "published" ? (
                        <a
                          href={articleUrl(article.slug)}
                          target="_blank"
                          rel="noreferrer"
                          className="text-brand-dark underline"
                        >
                          {article.title}
                        </a>
                      ) : (
                        article.title
                      )}
                      <span className="block text-xs font-normal text-ink-muted">{article.slug}</span>
                    </th>
                    <td className="px-3 py-2">
                      <span
                        className={`inline-flex rounded-pill border px-2 py-0.5 text-xs font-semibold ${statusClass[article.status]}`}
                      >
                        {t(`kbConsole.articleStatus.${article.status}`)}
                      </span>
                    </td>
                    <td className="px-3 py-2">{article.category}</td>
                    <td className="px-3 py-2">{article.language}</td>
                    <td className="whitespace-nowrap px-3 py-2 text-xs">
                      {formatDateTime(article.updated_at)}
                    </td>
                    <td className="space-x-2 whitespace-nowrap px-3 py-2 text-right">
                      {article.status !== "published" ? (
                        <button
                          type="button"
                          className="btn-secondary py-1 text-xs"
                          disabled={busy}
                          aria-label={t("kbConsole.publishArticle", { title: article.title })}
                          onClick={() => change.mutate({ article, to: "publish" })}
                        >
                          {t("kbConsole.publish")}
                        </button>
                      ) : null}
                      {article.status !== "archived" ? (
                        <button
                          type="button"
                          className="btn-secondary py-1 text-xs"
                          disabled={busy}
                          aria-label={t("kbConsole.archiveArticle", { title: article.title })}
                          onClick={() => change.mutate({ article, to: "archive" })}
                        >
                          {t("kbConsole.archive")}
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

function NewDraftForm({ onCreated }: { onCreated: () => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const [category, setCategory] = useState<string>("general");
  const [language, setLanguage] = useState("en");
  const [tags, setTags] = useState("");
  const [body, setBody] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const ids = { title: useId(), category: useId(), language: useId(), tags: useId(), body: useId() };
  const create = useMutation({
    mutationFn: () =>
      createArticleDraft({
        title: title.trim(),
        body,
        category,
        language,
        tags: tags
          .split(",")
          .map((tag) => tag.trim().toLowerCase())
          .filter(Boolean),
      }),
    onSuccess: () => {
      setTitle("");
      setBody("");
      setTags("");
      setOpen(false);
      onCreated();
    },
    onError: (error) => setProblem(error.message),
  });
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!title.trim()) {
      setProblem(t("kbConsole.titleNeeded"));
      return;
    }
    setProblem(null);
    create.mutate();
  };

  if (!open)
    return (
      <button type="button" className="btn-primary" onClick={() => setOpen(true)}>
        {t("kbConsole.newDraft")}
      </button>
    );
  return (
    <form onSubmit={onSubmit} noValidate className="card space-y-3" aria-label={t("kbConsole.newDraft")}>
      <div className="grid gap-3 sm:grid-cols-3">
        <div className="sm:col-span-3">
          <label htmlFor={ids.title} className="block text-xs text-ink-muted">
            {t("kbConsole.fields.title")}
          </label>
          <input
            id={ids.title}
            className="field-input"
            maxLength={200}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </div>
        <div>
          <label htmlFor={ids.category} className="block text-xs text-ink-muted">
            {t("kbConsole.fields.category")}
          </label>
          <select
            id={ids.category}
            className="field-input"
            value={category}
            onChange={(e) => setCategory(e.target.value)}
          >
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`category.${c}`)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor={ids.language} className="block text-xs text-ink-muted">
            {t("kbConsole.fields.language")}
          </label>
          <select
            id={ids.language}
            className="field-input"
            value={language}
            onChange={(e) => setLanguage(e.target.value)}
          >
            <option value="en">English</option>
            <option value="hi">हिन्दी</option>
          </select>
        </div>
        <div>
          <label htmlFor={ids.tags} className="block text-xs text-ink-muted">
            {t("kbConsole.fields.tags")}
          </label>
          <input
            id={ids.tags}
            className="field-input"
            value={tags}
            onChange={(e) => setTags(e.target.value)}
          />
        </div>
        <div className="sm:col-span-3">
          <label htmlFor={ids.body} className="block text-xs text-ink-muted">
            {t("kbConsole.fields.body")}
          </label>
          <textarea
            id={ids.body}
            rows={8}
            className="field-input font-mono"
            value={body}
            onChange={(e) => setBody(e.target.value)}
          />
        </div>
      </div>
      {problem ? (
        <p role="alert" className="text-sm font-medium text-danger">
          {problem}
        </p>
      ) : null}
      <div className="flex justify-end gap-2">
        <button type="button" className="btn-secondary" onClick={() => setOpen(false)}>
          {t("kbConsole.cancel")}
        </button>
        <button type="submit" className="btn-primary" disabled={create.isPending}>
          {t("kbConsole.saveDraft")}
        </button>
      </div>
    </form>
  );
}
