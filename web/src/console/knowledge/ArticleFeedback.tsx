// The agents' feedback loop to the editors, from a ticket: "Flag as outdated" on an article, and
// "Suggest a new article". Both become items of the editors' Knowledge Suggestions view, linked to
// the ticket that raised them.
import { useMutation } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { postKbSuggestion } from "../../api/staffApi";
import type { Ticket } from "../../api/types";

const NOTE_MAX = 2000;
const TITLE_MAX = 200;

export function FlagOutdated({ ticket, slug, title }: { ticket: Ticket; slug: string; title: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [note, setNote] = useState("");
  const noteId = useId();
  const flag = useMutation({
    mutationFn: () =>
      postKbSuggestion({
        kind: "outdated",
        ticket_id: ticket.id,
        ticket_reference: ticket.reference,
        article: slug,
        note: note.trim(),
      }),
    onSuccess: () => setOpen(false),
  });

  if (flag.isSuccess)
    return (
      <span role="status" className="text-xs font-medium text-success" data-testid="flagged">
        {t("kbConsole.flagged")}
      </span>
    );
  if (!open)
    return (
      <button
        type="button"
        className="btn-secondary py-1 text-xs"
        aria-label={t("kbConsole.flagArticle", { title })}
        onClick={() => setOpen(true)}
      >
        {t("kbConsole.flag")}
      </button>
    );
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    flag.mutate();
  };
  return (
    <form
      onSubmit={onSubmit}
      className="mt-2 w-full space-y-2"
      aria-label={t("kbConsole.flagArticle", { title })}
    >
      <label htmlFor={noteId} className="block text-xs text-ink-muted">
        {t("kbConsole.flagNote")}
      </label>
      <textarea
        id={noteId}
        rows={2}
        maxLength={NOTE_MAX}
        className="field-input"
        value={note}
        onChange={(e) => setNote(e.target.value)}
      />
      {flag.isError ? (
        <p role="alert" className="text-xs font-medium text-danger">
          {flag.error.message}
        </p>
      ) : null}
      <div className="flex justify-end gap-2">
        <button type="button" className="btn-secondary py-1 text-xs" onClick={() => setOpen(false)}>
          {t("kbConsole.cancel")}
        </button>
        <button type="submit" className="btn-primary py-1 text-xs" disabled={flag.isPending}>
          {t("kbConsole.sendFlag")}
        </button>
      </div>
    </form>
  );
}

export function SuggestNewArticle({ ticket }: { ticket: Ticket }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const [title, setTitle] = useState("");
  const [note, setNote] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const titleId = useId();
  const noteId = useId();
  const suggest = useMutation({
    mutationFn: () =>
      postKbSuggestion({
        kind: "new_article",
        ticket_id: ticket.id,
        ticket_reference: ticket.reference,
        title: title.trim(),
        note: note.trim(),
      }),
    onSuccess: () => {
      setSent(true);
      setOpen(false);
      setTitle("");
      setNote("");
    },
    onError: (error) => setProblem(error.message),
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!title.trim() && !note.trim()) {
      setProblem(t("kbConsole.suggestEmpty"));
      return;
    }
    setProblem(null);
    suggest.mutate();
  };

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <button
          type="button"
          className="btn-secondary py-1 text-xs"
          aria-expanded={open}
          onClick={() => {
            setSent(false);
            setOpen(!open);
          }}
        >
          {t("kbConsole.suggestNew")}
        </button>
        <span role="status" className="text-xs font-medium text-success" data-testid="suggestion-sent">
          {sent ? t("kbConsole.suggestSent") : ""}
        </span>
      </div>
      {open ? (
        <form onSubmit={onSubmit} noValidate className="space-y-2" aria-label={t("kbConsole.suggestNew")}>
          <div>
            <label htmlFor={titleId} className="block text-xs text-ink-muted">
              {t("kbConsole.suggestTitle")}
            </label>
            <input
              id={titleId}
              className="field-input"
              maxLength={TITLE_MAX}
              value={title}
              onChange={(e) => setTitle(e.target.value)}
            />
          </div>
          <div>
            <label htmlFor={noteId} className="block text-xs text-ink-muted">
              {t("kbConsole.suggestNote")}
            </label>
            <textarea
              id={noteId}
              rows={3}
              maxLength={NOTE_MAX}
              className="field-input"
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          {problem ? (
            <p role="alert" className="text-xs font-medium text-danger">
              {problem}
            </p>
          ) : null}
          <div className="flex justify-end gap-2">
            <button type="button" className="btn-secondary py-1 text-xs" onClick={() => setOpen(false)}>
              {t("kbConsole.cancel")}
            </button>
            <button type="submit" className="btn-primary py-1 text-xs" disabled={suggest.isPending}>
              {t("kbConsole.sendSuggestion")}
            </button>
          </div>
        </form>
      ) : null}
    </div>
  );
}
