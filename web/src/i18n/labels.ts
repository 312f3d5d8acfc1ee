// Translated names of the API's values (statuses, priorities, categories, views, queues).
import { useTranslation } from "react-i18next";

import type { Priority, TicketStatus, ViewName } from "../api/types";
import { humanize } from "../components/format";
import { en } from "./en";

export function useLabels() {
  const { t } = useTranslation();
  return {
    status: (status: TicketStatus) => (status in en.status ? t(`status.${status}`) : humanize(status)),
    priority: (priority: Priority) => (priority in en.priority ? t(`priority.${priority}`) : priority),
    category: (category: string) =>
      category in en.category ? t(`category.${category as keyof typeof en.category}`) : humanize(category),
    view: (view: ViewName) => t(`views.${view}`),
    // Queues are configured keys: the shipped ones are translated, others shown as written.
    queue: (queue: string) =>
      queue in en.queue ? t(`queue.${queue as keyof typeof en.queue}`) : humanize(queue),
  };
}
