// /support/kb: the public knowledge base. Without a query: categories with their counts, recently
// updated and most helpful articles; with ?q=: ranked results with snippets.
// /support/kb/category/:category: the published articles of one category.
import { useQuery } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router";

import { fetchKbArticles, fetchKbCategories, searchKb } from "../../api/publicApi";
import { PortalLayout } from "../PortalLayout";
import {
  ArticleList,
  categoryName,
  categoryPath,
  HitList,
  KB_HOME,
  KbSearchBox,
  updatedText,
} from "./KbCommon";

const LIST_LIMIT = 100;
const SHORT_LIST = 5;

export function KbHomePage() {
  const { t } = useTranslation();
  const [search] = useSearchParams();
  const q = (search.get("q") ?? "").trim();
  return (
    <PortalLayout>
      <div className="mx-auto max-w-3xl space-y-6">
        <div className="space-y-1">
          <h1 className="text-2xl font-bold text-ink">{t("kb.title")}</h1>
          <p className="text-sm text-ink-muted">
            {t("kb.intro")}{" "}
            <Link to="/support" className="text-brand underline">
              {t("kb.askUs")}
            </Link>
          </p>
        </div>
        <KbSearchBox key={q} initial={q} />
        {q ? <SearchResults q={q} /> : <Overview />}
      </div>
    </PortalLayout>
  );
}

function Status({ loading, error }: { loading: boolean; error: Error | null }) {
  const { t } = useTranslation();
  if (loading) return <p className="text-sm text-ink-muted">{t("common.loading")}</p>;
  if (error)
    return (
      <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
        {t("kb.failed", { reason: error.message })}
      </p>
    );
  return null;
}

function SearchResults({ q }: { q: string }) {
  const { t } = useTranslation();
  const results = useQuery({ queryKey: ["kb-search", q], queryFn: () => searchKb(q, 10) });
  const hits = results.data?.items ?? [];
  return (
    <section aria-labelledby="kb-results-title" className="space-y-3">
      <h2 id="kb-results-title" className="text-lg font-semibold text-ink">
        {t("kb.resultsFor", { q })}
      </h2>
      <Status loading={results.isPending} error={results.error} />
      {results.isSuccess && hits.length === 0 ? (
        <p className="text-sm text-ink-muted" data-testid="kb-no-results">
          {t("kb.noResults")}
        </p>
      ) : null}
      {hits.length > 0 ? <HitList hits={hits} label={t("kb.resultsLabel")} /> : null}
      <p className="text-sm">
        <Link to={KB_HOME} className="text-brand underline">
          {t("kb.allArticles")}
        </Link>
      </p>
    </section>
  );
}

function Overview() {
  const { t } = useTranslation();
  const categories = useQuery({ queryKey: ["kb-categories"], queryFn: fetchKbCategories });
  // The service orders them (over every article, not just one page of them).
  const latest = useQuery({
    queryKey: ["kb-articles", "", "-updated"],
    queryFn: () => fetchKbArticles(undefined, SHORT_LIST, "-updated"),
  });
  const helpful = useQuery({
    queryKey: ["kb-articles", "", "-helpful"],
    queryFn: () => fetchKbArticles(undefined, SHORT_LIST, "-helpful"),
  });
  const recent = latest.data?.items ?? [];
  const popular = (helpful.data?.items ?? []).filter((a) => a.helpful > 0);
  const items = categories.data?.items ?? [];
  return (
    <>
      <section aria-labelledby="kb-categories-title" className="space-y-3">
        <h2 id="kb-categories-title" className="text-lg font-semibold text-ink">
          {t("kb.categories")}
        </h2>
        <Status loading={categories.isPending} error={categories.error} />
        {categories.isSuccess && items.length === 0 ? (
          <p className="text-sm text-ink-muted">{t("kb.empty")}</p>
        ) : null}
        <ul className="grid gap-3 sm:grid-cols-2" data-testid="kb-categories">
          {items.map((item) => (
            <li key={item.category}>
              <Link
                to={categoryPath(item.category)}
                className="card flex items-center justify-between gap-2 hover:border-brand"
              >
                <span className="font-medium text-brand">{categoryName(item.category)}</span>
                <span className="text-xs text-ink-muted">
                  {t("kb.articleCount", { count: item.articles })}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      {recent.length > 0 ? (
        <section aria-labelledby="kb-recent-title" className="card space-y-2">
          <h2 id="kb-recent-title" className="text-lg font-semibold text-ink">
            {t("kb.recent")}
          </h2>
          <ArticleList
            articles={recent}
            label={t("kb.recent")}
            testId="kb-recent"
            detail={(a) => t("kb.updated", { date: updatedText(a) })}
          />
        </section>
      ) : null}
      {popular.length > 0 ? (
        <section aria-labelledby="kb-popular-title" className="card space-y-2">
          <h2 id="kb-popular-title" className="text-lg font-semibold text-ink">
            {t("kb.popular")}
          </h2>
          <ArticleList
            articles={popular}
            label={t("kb.popular")}
            testId="kb-popular"
            detail={(a) => t("kb.helpfulCount", { count: a.helpful })}
          />
        </section>
      ) : null}
    </>
  );
}

export function KbCategoryPage() {
  const { t } = useTranslation();
  const { category = "" } = useParams();
  const articles = useQuery({
    queryKey: ["kb-articles", category],
    queryFn: () => fetchKbArticles(category, LIST_LIMIT),
  });
  const items = articles.data?.items ?? [];
  return (
    <PortalLayout>
      <div className="mx-auto max-w-3xl space-y-6">
        <nav aria-label={t("kb.breadcrumbs")} className="text-sm">
          <Link to={KB_HOME} className="text-brand underline">
            {t("kb.title")}
          </Link>
        </nav>
        <h1 className="text-2xl font-bold text-ink">{categoryName(category)}</h1>
        <KbSearchBox initial="" />
        <Status loading={articles.isPending} error={articles.error} />
        {articles.isSuccess && items.length === 0 ? (
          <p className="text-sm text-ink-muted" data-testid="kb-category-empty">
            {t("kb.categoryEmpty")}
          </p>
        ) : null}
        {items.length > 0 ? (
          <section className="card">
            <ArticleList
              articles={items}
              label={t("kb.inCategory", { category: categoryName(category) })}
              testId="kb-category-articles"
              detail={(a) => t("kb.updated", { date: updatedText(a) })}
            />
          </section>
        ) : null}
      </div>
    </PortalLayout>
  );
}
