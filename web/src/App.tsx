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
const ConsolePage = lazy(() => import("./console/ConsolePage").then((m) => ({ default: m.ConsolePage })));
const LoginPage = lazy(() => import("./console/LoginPage").then((m) => ({ default: m.LoginPage })));

function AdminRoute() {
  const session = useSession();
  return session ? <ConsolePage /> : <LoginPage />;
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
        <Route path="/admin/*" element={<AdminRoute />} />
        <Route path="*" element={<Navigate to="/support" replace />} />
      </Routes>
    </Suspense>
  );
}
