"""The team's business calendar, read from the `calendar:` section of a YAML file.

The file has the SLA policies file's shape (`kit.business_calendar.CalendarSpec`), so
`DVIKA_SLA_POLICIES_FILE` can be given as is; its other sections are not read here.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from kit.business_calendar import BusinessCalendar, CalendarSpec


class InvalidCalendar(ValueError):
    """A calendar file that cannot be used; the message names the file and the reason."""


def load_calendar(
    path: Path | None, *, timezone: str | None, default_zone: str
) -> BusinessCalendar:
    """The calendar of `path` (None: the defaults) in `timezone`, else the file's zone, else
    `default_zone`."""
    if path is None:
        return _built(CalendarSpec(), timezone, default_zone, "the default calendar")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidCalendar(f"{path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise InvalidCalendar(f"{path}: not YAML: {error}") from error
    if raw is not None and not isinstance(raw, dict):
        raise InvalidCalendar(f"{path}: expected a mapping with a `calendar:` section")
    try:
        spec = CalendarSpec.model_validate((raw or {}).get("calendar") or {})
    except ValidationError as error:
        reasons = "; ".join(
            f"calendar.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise InvalidCalendar(f"{path}: {reasons}") from error
    return _built(spec, timezone, default_zone, str(path))


def _built(
    spec: CalendarSpec, timezone: str | None, default_zone: str, where: str
) -> BusinessCalendar:
    try:
        return spec.build(timezone=timezone, default_zone=default_zone)
    except (ValueError, KeyError) as error:  # ZoneInfoNotFoundError is a KeyError
        raise InvalidCalendar(f"{where}: calendar: {error}") from error
