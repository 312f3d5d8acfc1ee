import { useTranslation } from "react-i18next";

import { VIEW_NAMES, type ViewName } from "../api/types";
import { useLabels } from "../i18n/labels";

interface ViewTabsProps {
  counts: Partial<Record<ViewName, number>>;
  active: ViewName | undefined;
  onSelect: (view: ViewName) => void;
}

// Only the views the API counted: those are the ones the caller's role may open.
export function ViewTabs({ counts, active, onSelect }: ViewTabsProps) {
  const { t } = useTranslation();
  const labels = useLabels();
  const views = VIEW_NAMES.filter((view) => counts[view] !== undefined);
  const current = active ?? views[0];
  return (
    <nav aria-label={t("console.viewsLabel")} className="flex flex-wrap gap-2">
      {views.map((view) => (
        <button
          key={view}
          type="button"
          onClick={() => onSelect(view)}
          aria-current={view === current ? "page" : undefined}
          className={`btn ${view === current ? "bg-brand text-white" : "border border-line-strong bg-surface-raised text-ink hover:bg-surface-sunken"}`}
          data-view={view}
        >
          {labels.view(view)}
          <span
            className="rounded-pill bg-surface-sunken px-2 text-xs text-ink"
            data-testid={`count-${view}`}
          >
            {counts[view]}
          </span>
        </button>
      ))}
    </nav>
  );
}
