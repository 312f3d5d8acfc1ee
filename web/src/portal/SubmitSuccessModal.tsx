import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { localTrackingLink } from "../api/publicApi";
import type { TicketCreated } from "../api/types";
import { Modal } from "../components/Modal";

export function SubmitSuccessModal({ ticket, onClose }: { ticket: TicketCreated; onClose: () => void }) {
  const { t } = useTranslation();
  const link = localTrackingLink(ticket.tracking_url);
  const path = new URL(link).pathname + new URL(link).search;
  return (
    <Modal title={t("success.title")} onClose={onClose}>
      <p className="text-sm text-ink-muted">{t("success.referenceIs")}</p>
      <p className="text-2xl font-bold text-brand" data-testid="ticket-reference">
        {ticket.reference}
      </p>
      <p className="text-sm text-ink-muted">{t("success.keepLink")}</p>
      <p
        className="break-all rounded-control bg-surface-sunken p-2 font-mono text-xs"
        data-testid="tracking-link-text"
      >
        {link}
      </p>
      <div className="flex justify-end gap-2">
        <button
          type="button"
          className="btn-secondary"
          onClick={() => void navigator.clipboard?.writeText(link)}
        >
          {t("success.copy")}
        </button>
        <Link to={path} className="btn-primary">
          {t("success.track")}
        </Link>
        <button type="button" className="btn-secondary" onClick={onClose}>
          {t("common.close")}
        </button>
      </div>
    </Modal>
  );
}
