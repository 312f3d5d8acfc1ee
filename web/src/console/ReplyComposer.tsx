// The agent's reply box: a public reply or, with the switch on, an internal note; canned answers to
// start from; knowledge base links inserted at the cursor; macros that change the ticket in one
// step; and a warning first when others changed the ticket since the draft began.
import type { TFunction } from "i18next";
import {
  useId,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
  useState,
  type FormEvent,
  type Ref,
} from "react";
import { useTranslation } from "react-i18next";

import { postAgentReply } from "../api/staffApi";
import type { Ticket } from "../api/types";
import { useLabels } from "../i18n/labels";
import { articleUrl, insertAt, markdownLink } from "./knowledge/kbLink";
import { KbLinkPicker, type PickedArticle } from "./knowledge/KbLinkPicker";
import { MacroPicker } from "./macros/MacroPicker";
import { useTicketChange } from "./useTicketChange";

const CANNED_RESPONSES = [
  { id: "acknowledge", label: "composer.cannedAcknowledge", text: "composer.cannedAcknowledgeText" },
  { id: "details", label: "composer.cannedDetails", text: "composer.cannedDetailsText" },
  { id: "resolved", label: "composer.cannedResolved", text: "composer.cannedResolvedText" },
] as const;

// What the ticket looked like when the agent started writing.
interface DraftBase {
  messageIds: ReadonlySet<string>;
  status: Ticket["status"];
}

// What others changed since the draft began: new messages by someone else, another status.
function changesSince(
  base: DraftBase | null,
  ticket: Ticket,
  myId: string | undefined,
  t: TFunction,
  statusLabel: (status: Ticket["status"]) => string,
): string | null {
  if (!base) return null;
  const fresh = ticket.thread.filter(
    (m) => !base.messageIds.has(m.id) && !(m.from === "agent" && m.author === myId),
  );
  const parts: string[] = [];
  if (fresh.length) parts.push(t("composer.newMessages", { count: fresh.length }));
  if (ticket.status !== base.status)
    parts.push(t("composer.statusNow", { status: statusLabel(ticket.status) }));
  return parts.length ? t("composer.changed", { changes: parts.join(", ") }) : null;
}

// What the detail panel may do to the draft (its suggested articles' "Insert link").
export interface ComposerHandle {
  insertArticleLink: (article: PickedArticle) => void;
}

interface ReplyComposerProps {
  ticket: Ticket;
  myId: string | undefined;
  // Called on each edit that leaves text in the box (presence throttles the signal).
  onTyping?: () => void;
  ref?: Ref<ComposerHandle>;
}

export function ReplyComposer({ ticket, myId, onTyping, ref }: ReplyComposerProps) {
  const { t } = useTranslation();
  const labels = useLabels();
  const [text, setTextState] = useState("");
  const [internal, setInternal] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [base, setBase] = useState<DraftBase | null>(null);
  const [warned, setWarned] = useState<string | null>(null);
  const textId = useId();
  const cannedId = useId();
  const textarea = useRef<HTMLTextAreaElement>(null);
  // Where the cursor goes once an inserted link is on screen.
  const cursorAfter = useRef<number | null>(null);
  const send = useTicketChange(ticket.id, (input: { text: string; internal: boolean }) =>
    postAgentReply(ticket.id, input.text, input.internal),
  );

  const setText = (value: string) => {
    if (!text && value)
      setBase({ messageIds: new Set(ticket.thread.map((m) => m.id)), status: ticket.status });
    if (!value) setBase(null);
    else onTyping?.();
    setTextState(value);
  };

  // The link goes where the cursor is (or replaces the selection); the textarea keeps its selection
  // while a picker or the panel has the focus.
  const insertArticleLink = (article: PickedArticle) => {
    const box = textarea.current;
    const start = box?.selectionStart ?? text.length;
    const end = box?.selectionEnd ?? text.length;
    const inserted = insertAt(text, start, end, markdownLink(article.title, articleUrl(article.slug)));
    cursorAfter.current = inserted.cursor;
    setText(inserted.text);
  };
  useImperativeHandle(ref, () => ({ insertArticleLink }));

  useLayoutEffect(() => {
    const box = textarea.current;
    const cursor = cursorAfter.current;
    if (cursor === null || !box) return;
    cursorAfter.current = null;
    const place = () => {
      box.focus();
      box.setSelectionRange(cursor, cursor);
    };
    place();
    // Again once a closing picker has handed the focus back to where it came from.
    const frame = requestAnimationFrame(place);
    return () => cancelAnimationFrame(frame);
  }, [text]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!text.trim()) {
      setProblem(t("composer.writeFirst"));
      return;
    }
    setProblem(null);
    const changed = changesSince(base, ticket, myId, t, labels.status);
    if (changed && warned !== changed) {
      setWarned(changed);
      return;
    }
    send.mutate(
      { text, internal },
      {
        onSuccess: () => {
          setText("");
          setWarned(null);
        },
        onError: (e) => setProblem(e.message),
      },
    );
  };

  const buttonText = send.isPending
    ? t("composer.sending")
    : warned
      ? t("composer.sendAnyway")
      : internal
        ? t("composer.addNote")
        : t("composer.send");

  return (
    <form
      onSubmit={onSubmit}
      noValidate
      aria-label={t("composer.label")}
      className={`space-y-2 rounded-card border p-3 ${internal ? "border-note-border bg-note" : "border-line bg-surface-raised"}`}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <label className="inline-flex cursor-pointer items-center gap-2 text-sm font-medium">
          <input
            type="checkbox"
            role="switch"
            aria-checked={internal}
            checked={internal}
            onChange={(e) => setInternal(e.target.checked)}
            className="h-4 w-4 accent-note-border"
          />
          {t("composer.internalSwitch")}
        </label>
        <div className="flex flex-wrap items-center gap-2">
          <KbLinkPicker onPick={insertArticleLink} />
          <MacroPicker ticket={ticket} />
        </div>
        <div className="flex items-center gap-2">
          <label htmlFor={cannedId} className="text-xs text-ink-muted">
            {t("composer.canned")}
          </label>
          <select
            id={cannedId}
            className="field-input w-44 py-1"
            value=""
            onChange={(e) => {
              const canned = CANNED_RESPONSES.find((c) => c.id === e.target.value);
              if (canned) setText(text ? `${text}\n\n${t(canned.text)}` : t(canned.text));
            }}
          >
            <option value="">{t("composer.insert")}</option>
            {CANNED_RESPONSES.map((c) => (
              <option key={c.id} value={c.id}>
                {t(c.label)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <label htmlFor={textId} className="sr-only">
        {internal ? t("composer.noteLabel") : t("composer.replyLabel")}
      </label>
      <textarea
        ref={textarea}
        id={textId}
        rows={4}
        className="field-input"
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-invalid={Boolean(problem)}
        placeholder={internal ? t("composer.notePlaceholder") : t("composer.replyPlaceholder")}
      />
      {problem ? (
        <p role="alert" className="text-xs font-medium text-danger">
          {problem}
        </p>
      ) : null}
      {warned ? (
        <p
          role="alert"
          className="rounded-control bg-note p-2 text-xs font-medium text-note-ink"
          data-testid="stale-draft-warning"
        >
          {warned} {t("composer.readFirst")}
        </p>
      ) : null}
      <div className="flex justify-end">
        <button type="submit" className="btn-primary" disabled={send.isPending}>
          {buttonText}
        </button>
      </div>
    </form>
  );
}
