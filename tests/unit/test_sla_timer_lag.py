"""`dvika_timer_lag_seconds`: how late the SLA service's most overdue timer is, read at each
scrape, so a timer loop that stalls shows as late even while it is stuck."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY

from kit.metrics import TIMER_LAG_SECONDS
from sla.entrypoints.clock import ManualClock
from unit.test_sla_timers import T0, Service, Tickets


async def test_the_most_overdue_timer_sets_the_lag_until_it_fires() -> None:
    tickets = Tickets(ManualClock(T0))
    service = Service(tickets)
    assert service.timers.overdue_s() == 0, "not acting yet: nothing is late"
    tickets.submit("P1")
    await service.start()
    wake = service.timers.next_wake_at()
    assert wake is not None
    assert service.timers.overdue_s() == 0, "nothing is due yet"

    # The loop stalls: the clock runs past the wake-up and nothing fires.
    tickets.clock.advance(wake - T0 + timedelta(seconds=90))
    assert service.timers.overdue_s() == 90
    TIMER_LAG_SECONDS.labels("sla-lag-test", "sla").set_function(service.timers.overdue_s)
    labels = {"service": "sla-lag-test", "timer": "sla"}
    assert REGISTRY.get_sample_value("dvika_timer_lag_seconds", labels) == 90

    await service.timers.fire_due()
    await service.settle()
    assert REGISTRY.get_sample_value("dvika_timer_lag_seconds", labels) == 0
