// A report's CSV: a real link (its href is the API address) whose click fetches the file with the
// staff token (a plain navigation would carry none) and saves it under the server's file name.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { renewAccessToken, useSession } from "../../api/session";

function fileName(disposition: string | null, fallback: string): string {
  const match = disposition?.match(/filename="?([^";]+)"?/i);
  return match?.[1] ?? fallback;
}

export function CsvLink({
  href,
  title,
  fallbackName,
}: {
  href: string;
  title: string;
  fallbackName: string;
}) {
  const { t } = useTranslation();
  const session = useSession();
  const [problem, setProblem] = useState<string | null>(null);

  const download = async () => {
    setProblem(null);
    const get = (token: string | undefined) =>
      fetch(href, {
        headers: { Accept: "text/csv", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      });
    try {
      let answer = await get(session?.accessToken);
      if (answer.status === 401) answer = await get((await renewAccessToken())?.accessToken);
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      const blob = await answer.blob();
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement("a");
      anchor.href = url;
      anchor.download = fileName(answer.headers.get("content-disposition"), fallbackName);
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      setProblem(t("reports.csvFailed", { reason: error instanceof Error ? error.message : String(error) }));
    }
  };

  return (
    <>
      <a
        href={href}
        download={fallbackName}
        className="text-sm font-medium text-brand underline hover:text-brand-dark"
        aria-label={t("reports.csvOf", { title })}
        data-testid="report-csv"
        onClick={(event) => {
          event.preventDefault();
          void download();
        }}
      >
        {t("reports.csv")}
      </a>
      {problem ? (
        <span role="alert" className="text-xs text-danger">
          {problem}
        </span>
      ) : null}
    </>
  );
}
