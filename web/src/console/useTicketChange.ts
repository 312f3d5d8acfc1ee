// A change to a ticket by an agent: send it, then read the version it produced into the caches.
import { useMutation, useQueryClient } from "@tanstack/react-query";

import type { TicketChanged } from "../api/types";
import { refreshTicket } from "./ticketCache";

export function useTicketChange<Input>(
  ticketId: string,
  send: (input: Input) => Promise<TicketChanged | { version: number }>,
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: (answer) => refreshTicket(queryClient, ticketId, answer.version),
  });
}
