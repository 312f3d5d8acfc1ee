// What a macro's actions will do, in words, for the picker's preview.
import type { TFunction } from "i18next";

import type { MacroAction, Priority, TicketStatus } from "../../api/types";

export interface ActionLabels {
  status: (status: TicketStatus) => string;
  priority: (priority: Priority) => string;
  category: (category: string) => string;
  queue: (queue: string) => string;
}

// Long replies are cut in the preview: the agent needs the gist, not the whole text.
const PREVIEW_CHARS = 120;

function clip(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
}

export function describeAction(action: MacroAction, t: TFunction, labels: ActionLabels): string {
  switch (action.action) {
    case "reply":
      return t(action.internal ? "macros.action.note" : "macros.action.reply", {
        message: clip(action.message),
      });
    case "set_status":
      return action.reason
        ? t("macros.action.set_status_reason", {
            status: labels.status(action.status),
            reason: action.reason,
          })
        : t("macros.action.set_status", { status: labels.status(action.status) });
    case "set_priority":
      return t("macros.action.set_priority", { priority: labels.priority(action.priority) });
    case "set_category":
      return t("macros.action.set_category", { category: labels.category(action.category) });
    case "add_tags":
      return t("macros.action.add_tags", { tags: action.tags.join(", ") });
    case "assign":
      if (action.assignee && action.queue)
        return t("macros.action.assign_both", {
          assignee: action.assignee,
          queue: labels.queue(action.queue),
        });
      if (action.assignee) return t("macros.action.assign_agent", { assignee: action.assignee });
      if (action.queue) return t("macros.action.assign_queue", { queue: labels.queue(action.queue) });
      return t("macros.action.unassign");
  }
}

// Whether a macro matches the search box: by name or by any words of what it does.
export function macroMatches(name: string, described: string[], query: string): boolean {
  const needle = query.trim().toLocaleLowerCase();
  if (!needle) return true;
  return [name, ...described].some((text) => text.toLocaleLowerCase().includes(needle));
}

// Ctrl+Shift+M, or ⌘⇧M on a Mac.
export function isMacroShortcut(event: KeyboardEvent): boolean {
  return (event.ctrlKey || event.metaKey) && event.shiftKey && event.key.toLowerCase() === "m";
}
