// /support/track: find a ticket by its reference and tracking token.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { trackingPath } from "../api/publicApi";
import { Field } from "../components/Field";
import { PortalLayout } from "./PortalLayout";

export function TrackLookupPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [reference, setReference] = useState("");
  const [token, setToken] = useState("");
  const [errors, setErrors] = useState<{ reference?: string; token?: string }>({});

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found: typeof errors = {};
    if (!/^(DVK-\d{1,12}|[0-9a-f-]{36})$/i.test(reference.trim()))
      found.reference = t("lookup.referenceInvalid");
    if (!token.trim()) found.token = t("lookup.tokenMissing");
    setErrors(found);
    if (!found.reference && !found.token)
      navigate(trackingPath(reference.trim().toUpperCase(), token.trim()));
  };

  return (
    <PortalLayout>
      <form
        noValidate
        onSubmit={onSubmit}
        className="card mx-auto max-w-md space-y-4"
        aria-label={t("lookup.formLabel")}
      >
        <h1 className="text-xl font-bold text-ink">{t("lookup.title")}</h1>
        <Field label={t("lookup.reference")} error={errors.reference} required>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              className="field-input"
              placeholder="DVK-1004"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              value={reference}
              onChange={(e) => setReference(e.target.value)}
            />
          )}
        </Field>
        <Field label={t("lookup.token")} error={errors.token} required>
          {({ id, describedBy, invalid }) => (
            <input
              id={id}
              className="field-input font-mono"
              aria-describedby={describedBy}
              aria-invalid={invalid}
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
          )}
        </Field>
        <button type="submit" className="btn-primary w-full">
          {t("lookup.show")}
        </button>
      </form>
    </PortalLayout>
  );
}
