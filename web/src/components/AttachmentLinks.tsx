// The files of one thread message, as download links (the gateway serves them as attachments).
import type { MouseEvent } from "react";
import { useTranslation } from "react-i18next";

import type { AttachmentRef } from "../api/types";
import { formatBytes } from "./fileSize";

export interface AttachmentLinkProps {
  files: AttachmentRef[];
  href: (file: AttachmentRef) => string;
  // Staff downloads need the Authorization header: the console fetches the file itself.
  onOpen?: (file: AttachmentRef, event: MouseEvent<HTMLAnchorElement>) => void;
}

export function AttachmentLinks({ files, href, onOpen }: AttachmentLinkProps) {
  const { t } = useTranslation();
  if (files.length === 0) return null;
  return (
    <ul className="mt-2 flex flex-wrap gap-2" aria-label={t("attachments.listLabel")}>
      {files.map((file) => (
        <li key={file.attachment_id}>
          <a
            href={href(file)}
            download={file.filename}
            rel="noopener noreferrer"
            className="inline-flex items-center gap-1 rounded-pill border border-line bg-surface-raised px-2 py-0.5 text-xs text-brand underline"
            aria-label={t("attachments.download", { name: file.filename })}
            data-testid="attachment-link"
            onClick={onOpen ? (event) => onOpen(file, event) : undefined}
          >
            <span aria-hidden="true">📎</span>
            <span className="break-all">{file.filename}</span>
            <span className="text-ink-faint">({formatBytes(file.size)})</span>
          </a>
        </li>
      ))}
    </ul>
  );
}
