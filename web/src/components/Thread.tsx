// A ticket's conversation. Text is rendered as text (React escapes it): markup in a message stays inert.
import type { MouseEvent } from "react";
import { useTranslation } from "react-i18next";

import type { AttachmentRef, ThreadMessage } from "../api/types";
import { AttachmentLinks } from "./AttachmentLinks";
import { formatDateTime } from "./format";

export type ThreadAudience = "customer" | "staff";

function messageStyle(message: ThreadMessage): {
  box: string;
  label: "thread.note" | "thread.agent" | "thread.customer";
} {
  if (message.internal) return { box: "border-note-border bg-note border-dashed", label: "thread.note" };
  if (message.from === "agent") return { box: "border-agent-border bg-agent", label: "thread.agent" };
  return { box: "border-customer-border bg-customer", label: "thread.customer" };
}

export interface ThreadProps {
  messages: ThreadMessage[];
  audience: ThreadAudience;
  // Where a message's file downloads from; without it files are not linked.
  attachmentHref?: (file: AttachmentRef) => string;
  onOpenAttachment?: (file: AttachmentRef, event: MouseEvent<HTMLAnchorElement>) => void;
}

export function Thread({ messages, audience, attachmentHref, onOpenAttachment }: ThreadProps) {
  const { t } = useTranslation();
  if (messages.length === 0) return <p className="text-sm text-ink-faint">{t("thread.empty")}</p>;
  return (
    <ol className="space-y-3" aria-label={t("thread.label")}>
      {messages.map((message) => {
        const style = messageStyle(message);
        const who = audience === "customer" && message.from === "customer" ? t("thread.you") : t(style.label);
        return (
          <li
            key={message.id}
            className={`rounded-card border-l-4 border p-3 ${style.box}`}
            data-kind={message.internal ? "note" : message.from}
          >
            <div className="mb-1 flex items-center justify-between gap-2 text-xs text-ink-muted">
              <span className={message.internal ? "font-semibold text-note-ink" : "font-semibold"}>
                {who}
                {audience === "staff" && message.author && message.from === "agent"
                  ? ` · ${message.author}`
                  : ""}
              </span>
              <span>
                {message.merged_from ? (
                  <span className="mr-2 rounded-pill bg-surface-sunken px-2">
                    {t("thread.mergedFrom", { reference: message.merged_from })}
                  </span>
                ) : null}
                <time dateTime={message.created_at}>{formatDateTime(message.created_at)}</time>
              </span>
            </div>
            <p className="whitespace-pre-wrap break-words text-sm text-ink">{message.message}</p>
            {attachmentHref && message.attachments?.length ? (
              <AttachmentLinks files={message.attachments} href={attachmentHref} onOpen={onOpenAttachment} />
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
