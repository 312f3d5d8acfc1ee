// A chart's numbers as a table with a caption: always in the page for screen readers, and shown
// on screen when the "Show the numbers" switch is on.
import type { ReactNode } from "react";

export interface Column<Row> {
  key: string;
  label: string;
  cell: (row: Row) => ReactNode;
  numeric?: boolean;
}

export function DataTable<Row>({
  id,
  caption,
  columns,
  rows,
  visible,
}: {
  id: string;
  caption: string;
  columns: Column<Row>[];
  rows: Row[];
  visible: boolean;
}) {
  return (
    <div
      id={id}
      className={visible ? "max-h-80 overflow-auto rounded-control border border-line" : "sr-only"}
    >
      <table className="w-full text-left text-xs" data-testid="report-table">
        <caption className={visible ? "p-2 text-left font-medium text-ink-muted" : undefined}>
          {caption}
        </caption>
        <thead className="bg-surface-sunken text-ink-muted">
          <tr>
            {columns.map((column, index) => (
              <th
                key={column.key}
                scope="col"
                className={`px-2 py-1 ${column.numeric && index > 0 ? "text-right" : ""}`}
              >
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r} className="border-t border-line">
              {columns.map((column, index) =>
                index === 0 ? (
                  <th key={column.key} scope="row" className="px-2 py-1 font-medium text-ink">
                    {column.cell(row)}
                  </th>
                ) : (
                  <td
                    key={column.key}
                    className={`px-2 py-1 ${column.numeric ? "text-right tabular-nums" : ""}`}
                  >
                    {column.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
