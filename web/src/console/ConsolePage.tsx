// /admin: the agent console — views with counts, filters, the ticket table and the detail panel.
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../api/http";
import { logOut } from "../api/session";
import { fetchMe, fetchTicketPage } from "../api/staffApi";
import { VIEW_NAMES, type ViewName } from "../api/types";
import { BrandHeader } from "../components/Brand";
import { LiveIndicator } from "../live/LiveIndicator";
import { AvailabilitySwitch, ME_KEY } from "./AvailabilitySwitch";
import { ConsoleNav } from "./ConsoleNav";
import { DetailPanel } from "./DetailPanel";
import { DesktopAlertsButton, UnreadBadge } from "./HeaderBadges";
import { FiltersBar } from "./FiltersBar";
import { arrivalsForList, mergeArrivals } from "./liveArrivals";
import { Pagination } from "./Pagination";
import { TicketTable } from "./TicketTable";
import { LIST_KEY } from "./ticketCache";
import { useConsoleLive } from "./useConsoleLive";
import { useConsoleUrlState } from "./useConsoleUrlState";
import { ViewTabs } from "./ViewTabs";

export function ConsolePage() {
  const { t } = useTranslation();
  const url = useConsoleUrlState();
  const live = useConsoleLive();
  const queryClient = useQueryClient();
  const me = useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: 5 * 60_000 });

  // Cursors of the pages walked through, for this list only; a new filter starts at page one.
  const [pages, setPages] = useState<{ listKey: string; cursors: string[] }>({
    listKey: url.listKey,
    cursors: [],
  });
  const cursors = pages.listKey === url.listKey ? pages.cursors : [];
  const cursor = cursors.at(-1);

  const list = useQuery({
    queryKey: [...LIST_KEY, url.listKey, cursor ?? ""],
    queryFn: () => fetchTicketPage({ ...url.listQuery, cursor }),
    placeholderData: keepPreviousData,
  });

  const counts = list.data?.counts ?? {};
  const shownView: ViewName | undefined = url.view ?? VIEW_NAMES.find((v) => counts[v] !== undefined);
  const arrivals = arrivalsForList(live.arrivals, url.listQuery, shownView, cursors.length === 0);
  const tickets = mergeArrivals(list.data?.items ?? [], arrivals);

  return (
    <div className="min-h-screen bg-surface">
      <BrandHeader home="/admin">
        <ConsoleNav role={me.data?.role} />
        <LiveIndicator state={live.state} />
        <UnreadBadge count={live.highlighted.size} />
        <DesktopAlertsButton />
        {typeof me.data?.available === "boolean" ? <AvailabilitySwitch me={me.data} /> : null}
        {me.data ? (
          <span className="text-ink-muted" data-testid="signed-in-as">
            {me.data.name} · {me.data.role}
          </span>
        ) : null}
        <button
          type="button"
          className="btn-secondary"
          onClick={() => void logOut().then(() => queryClient.clear())}
        >
          {t("console.signOut")}
        </button>
      </BrandHeader>
      <p aria-live="polite" className="sr-only" data-testid="live-announcement">
        {live.announcement}
      </p>
      <main className="mx-auto max-w-7xl space-y-4 px-4 py-6">
        <ViewTabs counts={counts} active={url.view} onSelect={url.setView} />
        <FiltersBar filters={url.filters} onChange={url.setFilter} onClear={url.clearFilters} />
        {list.isError ? (
          <p role="alert" className="rounded-control bg-danger-light p-3 text-sm text-danger">
            {list.error instanceof ApiError && list.error.status === 403 ? (
              <>
                {t("console.viewForbidden", { reason: list.error.message })}{" "}
                <button type="button" className="underline" onClick={() => url.setView(null)}>
                  {t("console.defaultView")}
                </button>
              </>
            ) : (
              list.error.message
            )}
          </p>
        ) : null}
        <TicketTable
          tickets={tickets}
          sort={url.sort}
          onSort={url.setSort}
          highlighted={live.highlighted}
          openTicketId={url.openTicketId}
          myId={me.data?.id}
          onOpen={(id) => {
            live.markSeen(id);
            url.openTicket(id);
          }}
        />
        <Pagination
          page={cursors.length + 1}
          hasPrevious={cursors.length > 0}
          hasNext={Boolean(list.data?.next_cursor)}
          loading={list.isFetching}
          onPrevious={() => setPages({ listKey: url.listKey, cursors: cursors.slice(0, -1) })}
          onNext={() =>
            list.data?.next_cursor &&
            setPages({ listKey: url.listKey, cursors: [...cursors, list.data.next_cursor] })
          }
        />
      </main>
      {url.openTicketId ? (
        <DetailPanel
          ticketId={url.openTicketId}
          me={me.data}
          presence={{ state: live.state, send: live.sendPresence }}
          onClose={() => url.openTicket(null)}
          onOpenTicket={(id) => url.openTicket(id)}
        />
      ) : null}
    </div>
  );
}
