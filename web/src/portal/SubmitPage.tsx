// /support: the customer's request form, and the reference and tracking link once it is in.
import { useMutation } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

import { ApiError } from "../api/http";
import { submitTicket, uploadAttachments } from "../api/publicApi";
import { CATEGORIES, PRIORITIES, type TicketCreated } from "../api/types";
import { Field } from "../components/Field";
import { formatBytes } from "../components/fileSize";
import { useLabels } from "../i18n/labels";
import { ACCEPT_ATTRIBUTE, checkFiles } from "./attachmentLimits";
import { KbSuggestions } from "./kb/KbSuggestions";
import { useDeflection } from "./kb/useDeflection";
import { useKbSuggestions } from "./kb/useKbSuggestions";
import { PortalLayout } from "./PortalLayout";
import { SubmitSuccessModal } from "./SubmitSuccessModal";
import {
  EMPTY_SUBMIT,
  errorsFromApi,
  newIdempotencyKey,
  suggestionQuery,
  toTicketCreate,
  validateSubmit,
  type SubmitErrors,
  type SubmitField,
  type SubmitValues,
} from "./submitForm";

export function SubmitPage() {
  const { t } = useTranslation();
  const labels = useLabels();
  const [values, setValues] = useState<SubmitValues>(EMPTY_SUBMIT);
  const [errors, setErrors] = useState<SubmitErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<TicketCreated | null>(null);
  // One key per filled-in form: a double submit or a retry gives the same ticket.
  const idempotencyKey = useRef(newIdempotencyKey());

  const [files, setFiles] = useState<File[]>([]);
  const [fileError, setFileError] = useState<string | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  // Help articles for what the customer is typing; opening one and leaving is a deflection.
  const suggestions = useKbSuggestions(suggestionQuery(values));
  const deflection = useDeflection();

  const submit = useMutation({
    // Files first: the ticket names the ids the upload answers.
    mutationFn: async (form: SubmitValues) => {
      let attachments: string[] = [];
      if (files.length > 0) {
        try {
          attachments = (await uploadAttachments(files)).map((file) => file.attachment_id);
        } catch (error) {
          throw new UploadFailed(error instanceof Error ? error.message : String(error));
        }
      }
      return submitTicket({ ...toTicketCreate(form), attachments }, idempotencyKey.current);
    },
    onSuccess: (ticket) => {
      setCreated(ticket);
      setValues(EMPTY_SUBMIT);
      setFiles([]);
      if (fileInput.current) fileInput.current.value = "";
      idempotencyKey.current = newIdempotencyKey();
      deflection.restart();
    },
    onError: (error) => {
      if (error instanceof UploadFailed) {
        setFileError(t("attachments.failed", { reason: error.message }));
        setFormError(t("submit.fixFields"));
      } else if (error instanceof ApiError && error.fieldErrors.length > 0) {
        const { byField, rest } = errorsFromApi(error.fieldErrors);
        setErrors(byField);
        setFormError(rest.length ? rest.join("; ") : t("submit.fixFields"));
      } else {
        setFormError(error instanceof Error ? error.message : t("submit.failed"));
      }
    },
  });

  const set = (field: SubmitField) => (value: string) => {
    setValues((old) => ({ ...old, [field]: value }));
    if (errors[field]) setErrors((old) => ({ ...old, [field]: undefined }));
  };

  const chooseFiles = (chosen: File[]) => {
    setFiles(chosen);
    setFileError(checkFiles(chosen, t));
  };

  const removeFile = (index: number) => {
    const left = files.filter((_, at) => at !== index);
    chooseFiles(left);
    if (left.length === 0 && fileInput.current) fileInput.current.value = "";
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateSubmit(values, t);
    const filesWrong = checkFiles(files, t);
    setErrors(found);
    setFileError(filesWrong);
    const wrong = Object.keys(found).length > 0 || filesWrong !== null;
    setFormError(wrong ? t("submit.fixFields") : null);
    if (!wrong) {
      deflection.submitted();
      submit.mutate(values);
    }
  };

  return (
    <PortalLayout>
      <div className="mx-auto max-w-2xl space-y-6">
        <div>
          <h1 className="text-2xl font-bold text-ink">{t("submit.title")}</h1>
          <p className="text-sm text-ink-muted">
            {t("submit.intro")}{" "}
            <Link to="/support/track" className="text-brand underline">
              {t("submit.trackIt")}
            </Link>
            .
          </p>
        </div>
        <form noValidate onSubmit={onSubmit} className="card space-y-4" aria-label={t("submit.formLabel")}>
          {formError ? (
            <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
              {formError}
            </p>
          ) : null}
          <div className="grid gap-4 sm:grid-cols-2">
            <TextField
              label={t("submit.name")}
              field="name"
              values={values}
              errors={errors}
              onChange={set("name")}
              required
              autoComplete="name"
            />
            <TextField
              label={t("submit.email")}
              field="email"
              type="email"
              values={values}
              errors={errors}
              onChange={set("email")}
              required
              autoComplete="email"
            />
            <TextField
              label={t("submit.phone")}
              field="phone"
              type="tel"
              values={values}
              errors={errors}
              onChange={set("phone")}
              autoComplete="tel"
            />
            <Field label={t("submit.category")} error={errors.category}>
              {({ id, describedBy, invalid }) => (
                <select
                  id={id}
                  className="field-input"
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  value={values.category}
                  onChange={(e) => set("category")(e.target.value)}
                >
                  {CATEGORIES.map((category) => (
                    <option key={category} value={category}>
                      {labels.category(category)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            <Field label={t("submit.priority")} error={errors.priority}>
              {({ id, describedBy, invalid }) => (
                <select
                  id={id}
                  className="field-input"
                  aria-describedby={describedBy}
                  aria-invalid={invalid}
                  value={values.priority}
                  onChange={(e) => set("priority")(e.target.value)}
                >
                  {PRIORITIES.map((priority) => (
                    <option key={priority} value={priority}>
                      {labels.priority(priority)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <TextField
            label={t("submit.subject")}
            field="subject"
            values={values}
            errors={errors}
            onChange={set("subject")}
            required
          />
          <Field label={t("submit.message")} error={errors.message} required>
            {({ id, describedBy, invalid }) => (
              <textarea
                id={id}
                rows={6}
                className="field-input"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                value={values.message}
                onChange={(e) => set("message")(e.target.value)}
              />
            )}
          </Field>
          <KbSuggestions hits={suggestions} onOpen={deflection.opened} />
          <Field
            label={t("submit.attachments")}
            hint={t("submit.attachmentsHint")}
            error={fileError ?? undefined}
          >
            {({ id, describedBy, invalid }) => (
              <input
                id={id}
                ref={fileInput}
                name="files"
                type="file"
                multiple
                accept={ACCEPT_ATTRIBUTE}
                className="field-input"
                aria-describedby={describedBy}
                aria-invalid={invalid}
                onChange={(e) => chooseFiles(Array.from(e.target.files ?? []))}
              />
            )}
          </Field>
          {files.length > 0 ? (
            <ul className="space-y-1 text-sm" aria-label={t("attachments.chosen")} data-testid="chosen-files">
              {files.map((file, index) => (
                <li key={`${file.name}-${index}`} className="flex items-center justify-between gap-2">
                  <span className="break-all">
                    {file.name} <span className="text-ink-faint">({formatBytes(file.size)})</span>
                  </span>
                  <button
                    type="button"
                    className="text-xs text-danger underline"
                    onClick={() => removeFile(index)}
                    aria-label={t("attachments.remove", { name: file.name })}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
          <div className="flex justify-end">
            <button type="submit" className="btn-primary" disabled={submit.isPending}>
              {submit.isPending
                ? files.length > 0
                  ? t("attachments.uploading")
                  : t("submit.sending")
                : t("submit.submit")}
            </button>
          </div>
        </form>
      </div>
      {created ? <SubmitSuccessModal ticket={created} onClose={() => setCreated(null)} /> : null}
    </PortalLayout>
  );
}

// The upload refused the files (413, 415, …): shown next to the file field, not as a field error.
class UploadFailed extends Error {}

interface TextFieldProps {
  label: string;
  field: SubmitField;
  values: SubmitValues;
  errors: SubmitErrors;
  onChange: (value: string) => void;
  type?: string;
  required?: boolean;
  autoComplete?: string;
}

function TextField({
  label,
  field,
  values,
  errors,
  onChange,
  type = "text",
  required,
  autoComplete,
}: TextFieldProps) {
  return (
    <Field label={label} error={errors[field]} required={required}>
      {({ id, describedBy, invalid }) => (
        <input
          id={id}
          name={field}
          type={type}
          className="field-input"
          autoComplete={autoComplete}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          aria-required={required}
          value={values[field]}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}
