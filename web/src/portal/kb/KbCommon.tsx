// Pieces the knowledge-base pages share: category names, the search box, hit lists, "not found".
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";

import type { KbArticleSummary, KbHit } from "../../api/publicApi";
import { formatDateTime, humanize } from "../../components/format";
import { Snippet } from "./Snippet";

export const KB_HOME = "/support/kb";

export function articlePath(slug: string): string {
  return `${KB_HOME}/${encodeURIComponent(slug)}`;
}

export function categoryPath(category: string): string {
  return `${KB_HOME}/category/${encodeURIComponent(category)}`;
}

// Categories are slugs ("billing", "getting-started"): shown as words.
export function categoryName(category: string): string {
  return humanize(category.replace(/-/g, " "));
}

export function KbSearchBox({ initial }: { initial: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [text, setText] = useState(initial);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const q = text.trim();
    navigate(q ? `${KB_HOME}?q=${encodeURIComponent(q)}` : KB_HOME);
  };
  return (
    <form role="search" onSubmit={onSubmit} className="flex gap-2" aria-label={t("kb.searchLabel")}>
      <label htmlFor="kb-search" className="sr-only">
        {t("kb.searchLabel")}
      </label>
      <input
        id="kb-search"
        type="search"
        className="field-input"
        placeholder={t("kb.searchPlaceholder")}
        value={text}
        maxLength={500}
        onChange={(e) => setText(e.target.value)}
      />
      <button type="submit" className="btn-primary">
        {t("kb.search")}
      </button>
    </form>
  );
}

export function HitList({ hits, label }: { hits: KbHit[]; label: string }) {
  return (
    <ol className="space-y-3" aria-label={label} data-testid="kb-results">
      {hits.map((hit) => (
        <li key={hit.slug} className="card space-y-1" data-testid="kb-result">
          <h3 className="text-base font-semibold">
            <Link to={articlePath(hit.slug)} className="text-brand underline hover:text-brand-dark">
              {hit.title}
            </Link>
          </h3>
          <p className="text-xs text-ink-faint">{categoryName(hit.category)}</p>
          <Snippet html={hit.snippet_html} text={hit.snippet} />
        </li>
      ))}
    </ol>
  );
}

export function ArticleList({
  articles,
  label,
  testId,
  detail,
}: {
  articles: KbArticleSummary[];
  label: string;
  testId: string;
  detail: (article: KbArticleSummary) => string;
}) {
  return (
    <ul className="divide-y divide-line" aria-label={label} data-testid={testId}>
      {articles.map((article) => (
        <li key={article.slug} className="flex flex-wrap items-baseline justify-between gap-2 py-2">
          <Link
            to={articlePath(article.slug)}
            className="font-medium text-brand underline hover:text-brand-dark"
          >
            {article.title}
          </Link>
          <span className="text-xs text-ink-muted">{detail(article)}</span>
        </li>
      ))}
    </ul>
  );
}

export function updatedText(article: KbArticleSummary): string {
  return formatDateTime(article.updated_at ?? article.published_at);
}

export function KbNotFound() {
  const { t } = useTranslation();
  return (
    <div className="card mx-auto max-w-xl space-y-3 text-center" data-testid="kb-not-found">
      <h1 className="text-xl font-bold text-ink">{t("kb.notFound.title")}</h1>
      <p className="text-sm text-ink-muted">{t("kb.notFound.body")}</p>
      <p className="flex flex-wrap justify-center gap-3 text-sm">
        <Link to={KB_HOME} className="text-brand underline">
          {t("kb.notFound.browse")}
        </Link>
        <Link to="/support" className="text-brand underline">
          {t("kb.notFound.ask")}
        </Link>
      </p>
    </div>
  );
}
