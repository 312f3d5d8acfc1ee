import { useId } from "react";
import { useTranslation } from "react-i18next";

import { LANGUAGES, type Language } from "../i18n";

export function LanguageSwitcher() {
  const { t, i18n } = useTranslation();
  const id = useId();
  const current = (i18n.resolvedLanguage ?? "en") as Language;
  return (
    <span className="inline-flex items-center gap-1">
      <label htmlFor={id} className="sr-only">
        {t("common.language")}
      </label>
      <select
        id={id}
        className="field-input w-auto py-1"
        value={current}
        onChange={(e) => void i18n.changeLanguage(e.target.value)}
      >
        {(Object.keys(LANGUAGES) as Language[]).map((language) => (
          <option key={language} value={language} lang={language}>
            {LANGUAGES[language]}
          </option>
        ))}
      </select>
    </span>
  );
}
