// The signed-in staff member's Available / Away switch: automatic assignment gives tickets only
// to available agents. The state comes from GET /me, so it survives a reload.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { useTranslation } from "react-i18next";

import { setAvailability } from "../api/staffApi";
import type { Account } from "../api/types";
import { availabilityTrackClass } from "../theme/tokens";

export const ME_KEY = ["me"] as const;

export function AvailabilitySwitch({ me }: { me: Account }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const stateId = useId();
  const change = useMutation({
    mutationFn: setAvailability,
    onSuccess: (account) => queryClient.setQueryData<Account>(ME_KEY, (old) => ({ ...old, ...account })),
  });
  // While the change is on its way, show what was asked for; a refusal puts it back.
  const available = change.isPending ? change.variables : (me.available ?? false);
  return (
    <div className="flex items-center gap-2" data-testid="availability">
      <label className="inline-flex cursor-pointer items-center gap-2">
        <input
          type="checkbox"
          role="switch"
          className="peer sr-only"
          checked={available}
          aria-checked={available}
          aria-describedby={stateId}
          onChange={(e) => change.mutate(e.target.checked)}
        />
        <span className="text-ink">{t("availability.label")}</span>
        <span
          aria-hidden="true"
          className={`relative inline-block h-5 w-9 rounded-pill transition-colors peer-focus-visible:ring-2 peer-focus-visible:ring-brand/60 peer-focus-visible:ring-offset-2 ${available ? availabilityTrackClass.on : availabilityTrackClass.off}`}
        >
          <span
            className={`absolute top-0.5 h-4 w-4 rounded-pill bg-white shadow transition-all ${available ? "left-[1.125rem]" : "left-0.5"}`}
          />
        </span>
      </label>
      <span
        id={stateId}
        className={`text-xs font-semibold ${available ? "text-success" : "text-ink-muted"}`}
        data-testid="availability-state"
        data-available={available ? "true" : "false"}
      >
        {available ? t("availability.available") : t("availability.away")}
      </span>
      {change.isError ? (
        <span role="alert" className="text-xs text-danger">
          {t("availability.failed", { reason: change.error.message })}
        </span>
      ) : null}
    </div>
  );
}
