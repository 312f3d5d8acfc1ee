// "Insert KB link" in the reply composer: a searchable list of published articles (Ctrl+Shift+K /
// ⌘⇧K opens it, arrow keys choose, Enter inserts); the chosen article's public link goes into the
// reply at the cursor as Markdown.
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useEffect, useId, useState, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { useTranslation } from "react-i18next";

import { fetchPublishedArticles, searchArticles } from "../../api/staffApi";
import { Modal } from "../../components/Modal";
import { isKbLinkShortcut } from "./kbLink";
import { useDebounced } from "./useDebounced";

const SEARCH_DELAY_MS = 200;

export interface PickedArticle {
  slug: string;
  title: string;
}

interface PickerItem extends PickedArticle {
  snippet: string;
}

// With no words yet: the published articles by title; then ranked search results.
function findArticles(words: string, signal: AbortSignal): Promise<PickerItem[]> {
  if (!words) return fetchPublishedArticles(8).then((items) => items.map((a) => ({ ...a, snippet: "" })));
  return searchArticles(words, 8, signal);
}

export function KbLinkPicker({ onPick }: { onPick: (article: PickedArticle) => void }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);

  // The shortcut works anywhere while this ticket's composer is on screen.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!isKbLinkShortcut(event)) return;
      event.preventDefault();
      // Not over another dialog (the macro picker): one modal at a time.
      if (document.querySelector("dialog[open]")) return;
      setOpen(true);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  return (
    <>
      <button
        type="button"
        className="btn-secondary py-1 text-xs"
        aria-keyshortcuts="Control+Shift+K Meta+Shift+K"
        aria-haspopup="dialog"
        title={t("kbConsole.insertTitle")}
        onClick={() => setOpen(true)}
        data-testid="kb-link-button"
      >
        {t("kbConsole.insertLink")} <kbd className="ml-1 text-ink-muted">{t("kbConsole.shortcut")}</kbd>
      </button>
      {open ? (
        <KbLinkDialog
          onClose={() => setOpen(false)}
          onPick={(article) => {
            setOpen(false);
            onPick(article);
          }}
        />
      ) : null}
    </>
  );
}

function KbLinkDialog({
  onClose,
  onPick,
}: {
  onClose: () => void;
  onPick: (article: PickedArticle) => void;
}) {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const listId = useId();
  const searchId = useId();
  const words = useDebounced(query.trim(), SEARCH_DELAY_MS);
  const found = useQuery({
    queryKey: ["kb-link-search", words],
    queryFn: ({ signal }) => findArticles(words, signal),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
  const shown = found.data ?? [];
  const chosenIndex = Math.min(active, Math.max(shown.length - 1, 0));
  const chosen = shown[chosenIndex];
  const optionId = (index: number) => `${listId}-option-${index}`;

  const onKeyDown = (event: ReactKeyboardEvent) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!shown.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((chosenIndex + step + shown.length) % shown.length);
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (chosen) onPick(chosen);
    }
  };

  return (
    <Modal title={t("kbConsole.pickerTitle")} onClose={onClose}>
      {/* Escape closes this dialog only, not the ticket panel beneath (which listens on window). */}
      <div
        className="space-y-3"
        data-testid="kb-link-picker"
        onKeyDown={(event) => {
          if (event.key !== "Escape") return;
          event.stopPropagation();
          onClose();
        }}
      >
        <div>
          <label htmlFor={searchId} className="mb-1 block text-sm font-medium text-ink">
            {t("kbConsole.search")}
          </label>
          <input
            id={searchId}
            type="search"
            role="combobox"
            aria-expanded="true"
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={chosen ? optionId(chosenIndex) : undefined}
            aria-describedby={`${listId}-keys`}
            className="field-input"
            value={query}
            autoFocus
            autoComplete="off"
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }}
            onKeyDown={onKeyDown}
          />
          <p id={`${listId}-keys`} className="mt-1 text-xs text-ink-muted">
            {t("kbConsole.keys")}
          </p>
        </div>
        {found.isPending ? <p className="text-sm text-ink-muted">{t("common.loading")}</p> : null}
        {found.isError ? (
          <p role="alert" className="text-sm text-danger">
            {t("kbConsole.searchFailed", { reason: found.error.message })}
          </p>
        ) : null}
        {found.data && !shown.length ? (
          <p className="text-sm text-ink-muted">
            {words ? t("kbConsole.noMatch", { query: words }) : t("kbConsole.noArticles")}
          </p>
        ) : null}
        <ul
          id={listId}
          role="listbox"
          aria-label={t("kbConsole.results")}
          className="max-h-72 space-y-1 overflow-y-auto"
        >
          {shown.map((article, index) => (
            <li
              key={article.slug}
              id={optionId(index)}
              role="option"
              aria-selected={index === chosenIndex}
              className={`cursor-pointer rounded-control px-3 py-2 text-sm ${
                index === chosenIndex
                  ? "bg-brand-light text-ink ring-2 ring-brand"
                  : "hover:bg-surface-sunken"
              }`}
              onMouseEnter={() => setActive(index)}
              onClick={() => onPick(article)}
            >
              <span className="block font-medium">{article.title}</span>
              {article.snippet ? (
                <span className="block truncate text-xs text-ink-muted">{article.snippet}</span>
              ) : null}
            </li>
          ))}
        </ul>
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            {t("kbConsole.cancel")}
          </button>
          <button
            type="button"
            className="btn-primary"
            disabled={!chosen}
            onClick={() => chosen && onPick(chosen)}
          >
            {t("kbConsole.insert")}
          </button>
        </div>
      </div>
    </Modal>
  );
}
