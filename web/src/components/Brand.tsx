import type { ReactNode } from "react";
import { Link } from "react-router";

import { LanguageSwitcher } from "./LanguageSwitcher";

export function BrandHeader({ home, children }: { home: string; children?: ReactNode }) {
  return (
    <header className="border-b border-line bg-surface-raised">
      <div className="mx-auto flex max-w-7xl items-center justify-between gap-4 px-4 py-3">
        <Link to={home} className="flex items-center gap-2 text-lg font-bold text-brand">
          <span aria-hidden="true" className="inline-block h-6 w-6 rounded-control bg-brand" />
          Dvika Care
        </Link>
        <div className="flex flex-wrap items-center justify-end gap-3 text-sm">
          {children}
          <LanguageSwitcher />
        </div>
      </div>
    </header>
  );
}
