// The submit form's values, client-side checks (the same rules as the API) and the API's 422 mapped to fields.
import type { TFunction } from "i18next";

import type { FieldError } from "../api/http";
import type { Priority, TicketCreate } from "../api/types";

export interface SubmitValues {
  name: string;
  email: string;
  phone: string;
  category: string;
  priority: Priority;
  subject: string;
  message: string;
}

export type SubmitField = keyof SubmitValues;
export type SubmitErrors = Partial<Record<SubmitField, string>>;

export const EMPTY_SUBMIT: SubmitValues = {
  name: "",
  email: "",
  phone: "",
  category: "general",
  priority: "P3",
  subject: "",
  message: "",
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^[0-9+() .-]*$/;

export function validateSubmit(values: SubmitValues, t: TFunction): SubmitErrors {
  const errors: SubmitErrors = {};
  const tooLong = (count: number) => t("validation.tooLong", { count });
  if (!values.name.trim()) errors.name = t("validation.nameRequired");
  else if (values.name.length > 120) errors.name = tooLong(120);
  if (!values.email.trim()) errors.email = t("validation.emailRequired");
  else if (!EMAIL.test(values.email.trim())) errors.email = t("validation.emailInvalid");
  if (values.phone.length > 40) errors.phone = tooLong(40);
  else if (!PHONE.test(values.phone)) errors.phone = t("validation.phoneInvalid");
  if (!values.subject.trim()) errors.subject = t("validation.subjectRequired");
  else if (values.subject.length > 200) errors.subject = tooLong(200);
  if (!values.message.trim()) errors.message = t("validation.messageRequired");
  else if (values.message.length > 20_000) errors.message = tooLong(20_000);
  return errors;
}

export function toTicketCreate(values: SubmitValues): TicketCreate {
  const phone = values.phone.trim();
  return {
    customer: { name: values.name.trim(), email: values.email.trim(), ...(phone ? { phone } : {}) },
    category: values.category,
    priority: values.priority,
    subject: values.subject,
    message: values.message,
  };
}

// What the help-article suggestions search for: the subject and the message as typed so far.
export function suggestionQuery(values: SubmitValues): string {
  return `${values.subject.trim()}\n${values.message.trim()}`.trim();
}

const API_FIELD: Record<string, SubmitField> = {
  "customer.name": "name",
  "customer.email": "email",
  "customer.phone": "phone",
  category: "category",
  priority: "priority",
  subject: "subject",
  message: "message",
};

// The API's field errors by form field; the ones that fit no field come back as `rest`.
export function errorsFromApi(fieldErrors: FieldError[]): { byField: SubmitErrors; rest: string[] } {
  const byField: SubmitErrors = {};
  const rest: string[] = [];
  for (const error of fieldErrors) {
    const field = API_FIELD[error.path.join(".")];
    if (field) byField[field] = byField[field] ? `${byField[field]} ${error.message}` : error.message;
    else rest.push(`${error.path.join(".")}: ${error.message}`);
  }
  return { byField, rest };
}

// A random key per filled-in form. crypto.randomUUID needs a secure context (https or localhost);
// getRandomValues works everywhere.
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function" && window.isSecureContext) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
