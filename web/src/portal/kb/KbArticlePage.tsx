// /support/kb/:slug: one published article. A draft, an archived or an unknown slug are all the
// API's 404, shown as a friendly "not found". The body is the service's sanitised HTML, cleaned
// once more here before it goes into the page.
import { useMutation, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";

import { ApiError } from "../../api/http";
import { fetchKbArticle, voteKb, type KbArticle, type KbVoteResult } from "../../api/publicApi";
import { PortalLayout } from "../PortalLayout";
import { categoryName, categoryPath, KB_HOME, KbNotFound, updatedText } from "./KbCommon";
import { sanitizeArticleHtml } from "./sanitize";
import { savedVote, saveVote, visitorId, type VoteChoice } from "./visitor";

// Typography for the rendered Markdown (no typography plugin: arbitrary variants on the wrapper).
const BODY_CLASSES = [
  "space-y-3 text-ink leading-relaxed break-words",
  "[&_h1]:text-2xl [&_h1]:font-bold [&_h2]:text-xl [&_h2]:font-semibold [&_h3]:text-lg [&_h3]:font-semibold",
  "[&_h4]:font-semibold [&_a]:text-brand [&_a]:underline [&_ul]:list-disc [&_ul]:pl-6 [&_ol]:list-decimal",
  "[&_ol]:pl-6 [&_li]:my-1 [&_code]:rounded [&_code]:bg-surface-sunken [&_code]:px-1 [&_code]:text-sm",
  "[&_pre]:overflow-x-auto [&_pre]:rounded-control [&_pre]:bg-surface-sunken [&_pre]:p-3",
  "[&_blockquote]:border-l-4 [&_blockquote]:border-line-strong [&_blockquote]:pl-3 [&_blockquote]:text-ink-muted",
  "[&_table]:w-full [&_table]:text-sm [&_th]:border [&_th]:border-line [&_th]:p-2 [&_td]:border",
  "[&_td]:border-line [&_td]:p-2 [&_img]:max-w-full [&_hr]:border-line",
].join(" ");

export function KbArticlePage() {
  const { slug = "" } = useParams();
  const article = useQuery({ queryKey: ["kb-article", slug], queryFn: () => fetchKbArticle(slug) });
  const { t } = useTranslation();
  let content;
  if (article.isPending) content = <p className="text-sm text-ink-muted">{t("common.loading")}</p>;
  else if (article.error instanceof ApiError && article.error.status === 404) content = <KbNotFound />;
  else if (article.error)
    content = (
      <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
        {t("kb.failed", { reason: article.error.message })}
      </p>
    );
  else content = <ArticleView key={article.data.slug} article={article.data} />;
  return (
    <PortalLayout>
      <div className="mx-auto max-w-3xl">{content}</div>
    </PortalLayout>
  );
}

function ArticleView({ article }: { article: KbArticle }) {
  const { t } = useTranslation();
  const html = useMemo(() => sanitizeArticleHtml(article.html), [article.html]);
  return (
    <article className="space-y-4" aria-labelledby="kb-article-title" data-testid="kb-article">
      <nav aria-label={t("kb.breadcrumbs")} className="flex flex-wrap gap-1 text-sm text-ink-muted">
        <Link to={KB_HOME} className="text-brand underline">
          {t("kb.title")}
        </Link>
        <span aria-hidden="true">›</span>
        <Link to={categoryPath(article.category)} className="text-brand underline">
          {categoryName(article.category)}
        </Link>
      </nav>
      <header className="space-y-2">
        <h1 id="kb-article-title" className="text-2xl font-bold text-ink">
          {article.title}
        </h1>
        <dl className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-ink-muted">
          <div className="flex gap-1">
            <dt>{t("kb.category")}:</dt>
            <dd data-testid="kb-article-category">{categoryName(article.category)}</dd>
          </div>
          <div className="flex gap-1">
            <dt>{t("kb.updatedLabel")}:</dt>
            <dd>
              <time dateTime={article.updated_at ?? undefined}>{updatedText(article)}</time>
            </dd>
          </div>
        </dl>
        {article.tags.length > 0 ? (
          <ul className="flex flex-wrap gap-1" aria-label={t("kb.tags")} data-testid="kb-article-tags">
            {article.tags.map((tag) => (
              <li key={tag} className="rounded-pill bg-surface-sunken px-2 py-0.5 text-xs text-ink-muted">
                {tag}
              </li>
            ))}
          </ul>
        ) : null}
      </header>
      <div className="card">
        <div
          className={BODY_CLASSES}
          data-testid="kb-article-body"
          dangerouslySetInnerHTML={{ __html: html }}
        />
      </div>
      <HelpfulVote article={article} />
    </article>
  );
}

function HelpfulVote({ article }: { article: KbArticle }) {
  const { t } = useTranslation();
  const [voted, setVoted] = useState<VoteChoice | null>(() => savedVote(article.slug));
  const [counts, setCounts] = useState<KbVoteResult>({
    counted: false,
    helpful: article.helpful,
    unhelpful: article.unhelpful,
  });
  const vote = useMutation({
    mutationFn: (choice: VoteChoice) => voteKb(article.slug, choice === "yes", visitorId()),
    onSuccess: (answer, choice) => {
      // A repeat (counted: false) is not an error: the thank-you stays, the counts are the API's.
      saveVote(article.slug, choice);
      setVoted(choice);
      setCounts(answer);
    },
  });
  return (
    <section className="card space-y-2" aria-labelledby="kb-vote-title" data-testid="kb-vote">
      <h2 id="kb-vote-title" className="text-base font-semibold text-ink">
        {t("kb.vote.question")}
      </h2>
      {voted ? (
        <p role="status" className="text-sm text-success" data-testid="kb-vote-thanks">
          {vote.data && !vote.data.counted ? t("kb.vote.already") : t("kb.vote.thanks")}
        </p>
      ) : (
        <div className="flex gap-2">
          <button
            type="button"
            className="btn-secondary"
            disabled={vote.isPending}
            onClick={() => vote.mutate("yes")}
          >
            {t("kb.vote.yes")}
          </button>
          <button
            type="button"
            className="btn-secondary"
            disabled={vote.isPending}
            onClick={() => vote.mutate("no")}
          >
            {t("kb.vote.no")}
          </button>
        </div>
      )}
      {vote.error ? (
        <p role="alert" className="text-sm text-danger">
          {t("kb.vote.failed", { reason: vote.error.message })}
        </p>
      ) : null}
      <p className="text-xs text-ink-muted" data-testid="kb-vote-counts">
        {t("kb.vote.counts", { helpful: counts.helpful, unhelpful: counts.unhelpful })}
      </p>
    </section>
  );
}
