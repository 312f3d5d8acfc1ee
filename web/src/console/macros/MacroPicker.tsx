// The composer's macro picker: a searchable list (Ctrl+Shift+M / ⌘⇧M opens it, arrow keys choose,
// Enter applies), a preview of what the chosen macro will do, and the refused step when the
// tickets service turns it down (then nothing changed).
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useState, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { useTranslation } from "react-i18next";

import { applyMacro, fetchMacros } from "../../api/staffApi";
import type { Macro, Ticket } from "../../api/types";
import { Modal } from "../../components/Modal";
import { useLabels } from "../../i18n/labels";
import { useTicketChange } from "../useTicketChange";
import { describeAction, isMacroShortcut, macroMatches } from "./macroText";

export const MACROS_KEY = ["macros"] as const;

export function MacroPicker({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  // The shortcut works anywhere while this ticket's composer is on screen.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!isMacroShortcut(event)) return;
      event.preventDefault();
      setOpen(true);
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  return (
    <div className="flex items-center gap-2">
      <button
        type="button"
        className="btn-secondary py-1 text-xs"
        aria-keyshortcuts="Control+Shift+M Meta+Shift+M"
        aria-haspopup="dialog"
        onClick={() => {
          setDone(null);
          setOpen(true);
        }}
        data-testid="macros-button"
      >
        {t("macros.open")} <kbd className="ml-1 text-ink-muted">{t("macros.shortcut")}</kbd>
      </button>
      <span role="status" className="text-xs font-medium text-success" data-testid="macro-applied">
        {done}
      </span>
      {open ? (
        <MacroDialog
          ticket={ticket}
          onClose={() => setOpen(false)}
          onApplied={(name) => {
            setDone(t("macros.applied", { name }));
            setOpen(false);
          }}
        />
      ) : null}
    </div>
  );
}

function MacroDialog({
  ticket,
  onClose,
  onApplied,
}: {
  ticket: Ticket;
  onClose: () => void;
  onApplied: (name: string) => void;
}) {
  const { t } = useTranslation();
  const labels = useLabels();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [refusal, setRefusal] = useState<string | null>(null);
  const listId = useId();
  const searchId = useId();
  const macros = useQuery({ queryKey: MACROS_KEY, queryFn: fetchMacros, staleTime: 0 });
  const apply = useTicketChange(ticket.id, (macro: Macro) => applyMacro(ticket.id, macro.id));

  const shown = useMemo(() => {
    const all = macros.data ?? [];
    return all
      .map((macro) => ({ macro, does: macro.actions.map((a) => describeAction(a, t, labels)) }))
      .filter(({ macro, does }) => macroMatches(macro.name, does, query));
  }, [macros.data, query, t, labels]);
  const chosenIndex = Math.min(active, Math.max(shown.length - 1, 0));
  const chosen = shown[chosenIndex];
  const optionId = (index: number) => `${listId}-option-${index}`;

  const run = (macro: Macro) => {
    if (apply.isPending) return;
    setRefusal(null);
    apply.mutate(macro, {
      onSuccess: () => onApplied(macro.name),
      onError: (error) => setRefusal(t("macros.refused", { name: macro.name, reason: error.message })),
    });
  };

  const onKeyDown = (event: ReactKeyboardEvent) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!shown.length) return;
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((chosenIndex + step + shown.length) % shown.length);
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      setActive(event.key === "Home" ? 0 : Math.max(shown.length - 1, 0));
    } else if (event.key === "Enter") {
      event.preventDefault();
      if (chosen) run(chosen.macro);
    }
  };

  return (
    <Modal title={t("macros.title")} onClose={onClose}>
      {/* Escape closes this dialog only, not the ticket panel beneath (which listens on window);
          closed here too, as a search box may keep the Escape for clearing itself. */}
      <div
        className="space-y-3"
        data-testid="macro-picker"
        onKeyDown={(event) => {
          if (event.key !== "Escape") return;
          event.stopPropagation();
          onClose();
        }}
      >
        <div>
          <label htmlFor={searchId} className="mb-1 block text-sm font-medium text-ink">
            {t("macros.search")}
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
            {t("macros.keys")}
          </p>
        </div>
        {macros.isPending ? <p className="text-sm text-ink-muted">{t("macros.loading")}</p> : null}
        {macros.isError ? (
          <p role="alert" className="text-sm text-danger">
            {t("macros.loadFailed", { reason: macros.error.message })}
          </p>
        ) : null}
        {macros.data && !macros.data.length ? (
          <p className="text-sm text-ink-muted">{t("macros.none")}</p>
        ) : null}
        {macros.data?.length && !shown.length ? (
          <p className="text-sm text-ink-muted">{t("macros.noMatch", { query })}</p>
        ) : null}
        <ul
          id={listId}
          role="listbox"
          aria-label={t("macros.list")}
          className="max-h-56 space-y-1 overflow-y-auto"
        >
          {shown.map(({ macro }, index) => (
            <li
              key={macro.id}
              id={optionId(index)}
              role="option"
              aria-selected={index === chosenIndex}
              className={`flex cursor-pointer items-center justify-between gap-2 rounded-control px-3 py-2 text-sm ${
                index === chosenIndex
                  ? "bg-brand-light text-ink ring-2 ring-brand"
                  : "hover:bg-surface-sunken"
              }`}
              onMouseEnter={() => setActive(index)}
              onClick={() => setActive(index)}
              onDoubleClick={() => run(macro)}
            >
              <span className="font-medium">{macro.name}</span>
              <span className="text-xs text-ink-muted">
                {macro.scope === "shared" ? t("macros.shared") : t("macros.personal")}
              </span>
            </li>
          ))}
        </ul>
        {chosen ? (
          <section aria-label={t("macros.willDo")} className="rounded-control bg-surface-sunken p-3">
            <h3 className="text-xs font-semibold text-ink-muted">{t("macros.willDo")}</h3>
            <ol className="mt-1 list-decimal space-y-1 pl-5 text-sm text-ink" data-testid="macro-preview">
              {chosen.does.map((line, i) => (
                <li key={i}>{line}</li>
              ))}
            </ol>
          </section>
        ) : null}
        {refusal ? (
          <p
            role="alert"
            className="rounded-control bg-danger-light p-2 text-sm text-danger"
            data-testid="macro-error"
          >
            {refusal}
          </p>
        ) : null}
        <div className="flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={onClose}>
            {t("macros.cancel")}
          </button>
          <button
            type="button"
            className="btn-primary"
            disabled={!chosen || apply.isPending}
            onClick={() => chosen && run(chosen.macro)}
          >
            {apply.isPending
              ? t("macros.applying")
              : chosen
                ? t("macros.apply", { name: chosen.macro.name })
                : t("macros.title")}
          </button>
        </div>
      </div>
    </Modal>
  );
}
