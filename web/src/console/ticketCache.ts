// Keeping the console's cached tickets current: from live messages and after the agent's own changes.
import type { QueryClient } from "@tanstack/react-query";

import { fetchStaffTicket } from "../api/staffApi";
import type { Ticket, TicketPage } from "../api/types";

export const ticketKey = (id: string) => ["staff-ticket", id] as const;
export const historyKey = (id: string) => ["ticket-history", id] as const;
export const LIST_KEY = ["tickets"] as const;

// Put a ticket into the detail cache and every cached list page, unless the cache is newer.
export function storeTicket(client: QueryClient, ticket: Ticket): void {
  client.setQueryData<Ticket>(ticketKey(ticket.id), (old) =>
    old && old.version >= ticket.version ? old : ticket,
  );
  client.setQueriesData<TicketPage>({ queryKey: LIST_KEY }, (page) =>
    page
      ? {
          ...page,
          items: page.items.map((item) =>
            item.id === ticket.id && item.version < ticket.version ? ticket : item,
          ),
        }
      : page,
  );
}

// After a change answered with `version`: read that version (the read model may lag) and store it.
export async function refreshTicket(client: QueryClient, id: string, version: number): Promise<void> {
  storeTicket(client, await fetchStaffTicket(id, version));
  void client.invalidateQueries({ queryKey: historyKey(id) });
  void client.invalidateQueries({ queryKey: LIST_KEY });
}
