// "Articles that may help": suggestions for what the customer is typing on the submit form. Each
// opens in a new tab (the half-written request stays), and opening one is told to `onOpen`.
import { useTranslation } from "react-i18next";

import type { KbHit } from "../../api/publicApi";
import { Snippet } from "./Snippet";

export function KbSuggestions({ hits, onOpen }: { hits: KbHit[]; onOpen: (slug: string) => void }) {
  const { t } = useTranslation();
  return (
    <section aria-labelledby="kb-suggestions-title" aria-live="polite" data-testid="kb-suggestions">
      {hits.length > 0 ? (
        <div className="space-y-2 rounded-control border border-brand/30 bg-brand-light/40 p-3">
          <h2 id="kb-suggestions-title" className="text-sm font-semibold text-ink">
            {t("kb.suggestions.title")}
          </h2>
          <p className="text-xs text-ink-muted">{t("kb.suggestions.hint")}</p>
          <ul className="space-y-2">
            {hits.map((hit) => (
              <li key={hit.slug} data-testid="kb-suggestion">
                <a
                  href={`/support/kb/${encodeURIComponent(hit.slug)}`}
                  target="_blank"
                  rel="noopener"
                  className="font-medium text-brand underline hover:text-brand-dark"
                  onClick={() => onOpen(hit.slug)}
                  onAuxClick={() => onOpen(hit.slug)}
                >
                  {hit.title}
                  <span className="sr-only"> {t("kb.opensInNewTab")}</span>
                </a>
                <Snippet html={hit.snippet_html} text={hit.snippet} className="text-xs text-ink-muted" />
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <h2 id="kb-suggestions-title" className="sr-only">
          {t("kb.suggestions.title")}
        </h2>
      )}
    </section>
  );
}
