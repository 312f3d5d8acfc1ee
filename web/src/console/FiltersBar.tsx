// Filters of the ticket list. Selects and dates apply at once; text applies on Enter or leaving the field.
import { useId, type KeyboardEvent } from "react";
import { useTranslation } from "react-i18next";

import { CATEGORIES, PRIORITIES, TICKET_STATUSES } from "../api/types";
import { useLabels } from "../i18n/labels";
import type { FilterKey, Filters } from "./useConsoleUrlState";

interface FiltersBarProps {
  filters: Filters;
  onChange: (key: FilterKey, value: string) => void;
  onClear: () => void;
}

export function FiltersBar({ filters, onChange, onClear }: FiltersBarProps) {
  const { t } = useTranslation();
  const labels = useLabels();
  return (
    <form
      role="search"
      aria-label={t("filters.label")}
      className="flex flex-wrap items-end gap-3 rounded-card border border-line bg-surface-raised p-3"
      onSubmit={(e) => e.preventDefault()}
    >
      <TextFilter label={t("filters.search")} name="q" value={filters.q} onCommit={onChange} wide />
      <SelectFilter
        label={t("filters.status")}
        name="status"
        value={filters.status}
        onChange={onChange}
        options={TICKET_STATUSES.map((s) => [s, labels.status(s)])}
      />
      <SelectFilter
        label={t("filters.priority")}
        name="priority"
        value={filters.priority}
        onChange={onChange}
        options={PRIORITIES.map((p) => [p, labels.priority(p)])}
      />
      <SelectFilter
        label={t("filters.category")}
        name="category"
        value={filters.category}
        onChange={onChange}
        options={CATEGORIES.map((c) => [c, labels.category(c)])}
      />
      <TextFilter label={t("filters.queue")} name="queue" value={filters.queue} onCommit={onChange} />
      <TextFilter
        label={t("filters.assignee")}
        name="assignee"
        value={filters.assignee}
        onCommit={onChange}
      />
      <DateFilter label={t("filters.from")} name="from" value={filters.from} onChange={onChange} />
      <DateFilter label={t("filters.to")} name="to" value={filters.to} onChange={onChange} />
      <button type="button" className="btn-secondary" onClick={onClear}>
        {t("filters.clear")}
      </button>
    </form>
  );
}

function TextFilter({
  label,
  name,
  value,
  onCommit,
  wide,
}: {
  label: string;
  name: FilterKey;
  value: string | undefined;
  onCommit: (key: FilterKey, value: string) => void;
  wide?: boolean;
}) {
  const id = useId();
  const commit = (text: string) => {
    if (text.trim() !== (value ?? "")) onCommit(name, text.trim());
  };
  return (
    <div className={wide ? "min-w-48 flex-1" : "w-36"}>
      <label htmlFor={id} className="block text-xs font-medium text-ink-muted">
        {label}
      </label>
      <input
        id={id}
        name={name}
        key={value ?? ""}
        defaultValue={value ?? ""}
        type={name === "q" ? "search" : "text"}
        className="field-input"
        onBlur={(e) => commit(e.target.value)}
        onKeyDown={(e: KeyboardEvent<HTMLInputElement>) => {
          if (e.key === "Enter") commit(e.currentTarget.value);
        }}
      />
    </div>
  );
}

function SelectFilter({
  label,
  name,
  value,
  options,
  onChange,
}: {
  label: string;
  name: FilterKey;
  value: string | undefined;
  options: [string, string][];
  onChange: (key: FilterKey, value: string) => void;
}) {
  const id = useId();
  const { t } = useTranslation();
  return (
    <div className="w-36">
      <label htmlFor={id} className="block text-xs font-medium text-ink-muted">
        {label}
      </label>
      <select
        id={id}
        name={name}
        className="field-input"
        value={value ?? ""}
        onChange={(e) => onChange(name, e.target.value)}
      >
        <option value="">{t("filters.any")}</option>
        {options.map(([key, text]) => (
          <option key={key} value={key}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

function DateFilter({
  label,
  name,
  value,
  onChange,
}: {
  label: string;
  name: FilterKey;
  value: string | undefined;
  onChange: (key: FilterKey, value: string) => void;
}) {
  const id = useId();
  return (
    <div className="w-40">
      <label htmlFor={id} className="block text-xs font-medium text-ink-muted">
        {label}
      </label>
      <input
        id={id}
        name={name}
        type="date"
        className="field-input"
        value={value ?? ""}
        onChange={(e) => onChange(name, e.target.value)}
      />
    </div>
  );
}
