// The routes: the customer portal under /support, the agent console under /admin. Each side is
// its own chunk, so customers never download the console.
import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, Route, Routes } from "react-router";

import { useSession } from "./api/session";

const SubmitPage = lazy(() => import("./portal/SubmitPage").then((m) => ({ default: m.SubmitPage })));
const TrackLookupPage = lazy(() =>
  import("./portal/TrackLookupPage").then((m) => ({ default: m.TrackLookupPage })),
);
const TrackPage = lazy(() => import("./portal/TrackPage").then((m) => ({ default: m.TrackPage })));
const KbHomePage = lazy(() => import("./portal/kb/KbHomePage").then((m) => ({ default: m.KbHomePage })));
const KbCategoryPage = lazy(() =>
  import("./portal/kb/KbHomePage").then((m) => ({ default: m.KbCategoryPage })),
);
const KbArticlePage = lazy(() =>
  import("./portal/kb/KbArticlePage").then((m) => ({ default: m.KbArticlePage })),
);
const ConsolePage = lazy(() => import("./console/ConsolePage").then((m) => ({ default: m.ConsolePage })));
const ReportsPage = lazy(() =>
  import("./console/reports/ReportsPage").then((m) => ({ default: m.ReportsPage })),
);
const OpsPage = lazy(() => import("./console/ops/OpsPage").then((m) => ({ default: m.OpsPage })));
const KnowledgePage = lazy(() =>
  import("./console/knowledge/KnowledgePage").then((m) => ({ default: m.KnowledgePage })),
);
const LoginPage = lazy(() => import("./console/LoginPage").then((m) => ({ default: m.LoginPage })));

// Every console page asks for a sign-in first.
function AdminRoute({ page = "tickets" }: { page?: "tickets" | "reports" | "ops" | "knowledge" }) {
  const session = useSession();
  if (!session) return <LoginPage />;
  if (page === "reports") return <ReportsPage />;
  if (page === "ops") return <OpsPage />;
  if (page === "knowledge") return <KnowledgePage />;
  return <ConsolePage />;
}

function Loading() {
  const { t } = useTranslation();
  return <p className="p-8 text-sm text-ink-muted">{t("common.loading")}</p>;
}

export function App() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/support" element={<SubmitPage />} />
        <Route path="/support/track" element={<TrackLookupPage />} />
        {/* The API's tracking_url: /support/track/{reference}?token=… (gateway/entrypoints/http_tickets.py) */}
        <Route path="/support/track/:ticketKey" element={<TrackPage />} />
        <Route path="/support/kb" element={<KbHomePage />} />
        <Route path="/support/kb/category/:category" element={<KbCategoryPage />} />
        <Route path="/support/kb/:slug" element={<KbArticlePage />} />
        <Route path="/admin/reports" element={<AdminRoute page="reports" />} />
        <Route path="/admin/ops" element={<AdminRoute page="ops" />} />
        <Route path="/admin/knowledge" element={<AdminRoute page="knowledge" />} />
        <Route path="/admin/*" element={<AdminRoute />} />
        <Route path="*" element={<Navigate to="/support" replace />} />
      </Routes>
    </Suspense>
  );
}
