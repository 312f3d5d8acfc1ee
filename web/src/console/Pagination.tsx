import { useTranslation } from "react-i18next";

interface PaginationProps {
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  loading: boolean;
  onPrevious: () => void;
  onNext: () => void;
}

export function Pagination({ page, hasPrevious, hasNext, loading, onPrevious, onNext }: PaginationProps) {
  const { t } = useTranslation();
  return (
    <nav aria-label={t("pages.label")} className="flex items-center justify-end gap-3 text-sm">
      <span className="text-ink-muted" aria-live="polite" data-testid="page-number">
        {t("pages.page", { page })}
        {loading ? ` · ${t("pages.loading")}` : ""}
      </span>
      <button type="button" className="btn-secondary" disabled={!hasPrevious} onClick={onPrevious}>
        {t("pages.previous")}
      </button>
      <button type="button" className="btn-secondary" disabled={!hasNext} onClick={onNext}>
        {t("pages.next")}
      </button>
    </nav>
  );
}
