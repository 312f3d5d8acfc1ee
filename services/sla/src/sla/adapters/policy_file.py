"""Reading the SLA policies file (YAML) into the domain's `SlaConfig`."""

from __future__ import annotations

from pathlib import Path

import yaml

from sla.domain.policies import InvalidPolicies, SlaConfig, parse_config


def load_policies(path: Path, *, timezone: str | None = None) -> SlaConfig:
    """The config in `path`; `InvalidPolicies` names the file and what is wrong with it."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidPolicies(f"{path}: cannot read: {error}") from error
    except yaml.YAMLError as error:
        raise InvalidPolicies(f"{path}: not YAML: {error}") from error
    try:
        return parse_config(raw, timezone=timezone)
    except InvalidPolicies as error:
        raise InvalidPolicies(f"{path}: {error}") from error
