// /admin without a session: staff sign in.
import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";

import { useTranslation } from "react-i18next";

import { logIn } from "../api/session";
import { BrandHeader } from "../components/Brand";
import { Field } from "../components/Field";

export function LoginPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({ mutationFn: () => logIn(email.trim(), password) });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };

  return (
    <div className="min-h-screen bg-surface">
      <BrandHeader home="/admin" />
      <main className="px-4 py-12">
        <form
          onSubmit={onSubmit}
          className="card mx-auto max-w-sm space-y-4"
          aria-label={t("login.formLabel")}
        >
          <h1 className="text-xl font-bold text-ink">{t("login.title")}</h1>
          {login.isError ? (
            <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
              {login.error.message}
            </p>
          ) : null}
          <Field label={t("login.email")} required>
            {({ id }) => (
              <input
                id={id}
                type="email"
                autoComplete="username"
                required
                className="field-input"
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <Field label={t("login.password")} required>
            {({ id }) => (
              <input
                id={id}
                type="password"
                autoComplete="current-password"
                required
                className="field-input"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <button type="submit" className="btn-primary w-full" disabled={login.isPending}>
            {login.isPending ? t("login.signingIn") : t("login.signIn")}
          </button>
        </form>
      </main>
    </div>
  );
}
