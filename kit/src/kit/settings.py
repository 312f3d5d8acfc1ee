"""Settings every Dvika Care service reads from its environment.

Services subclass `ServiceSettings` to change defaults (their name, their HTTP port) and to
add their own fields; the `DVIKA_` prefix applies to all of them.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_instance_id() -> str:
    # Host plus pid tells replicas apart on one host and across pods alike.
    return f"{socket.gethostname()}-{os.getpid()}"


def service_port_field(service: str, default: int) -> Any:
    """A `http_port` field for `service`: `DVIKA_<SERVICE>_HTTP_PORT`, else `DVIKA_HTTP_PORT`.

    The per-service name lets one shell or env file start every service on its own port;
    the generic name keeps working for one service per container.
    """
    return Field(
        default,
        validation_alias=AliasChoices(f"DVIKA_{service.upper()}_HTTP_PORT", "DVIKA_HTTP_PORT"),
    )


class ServiceSettings(BaseSettings):
    # validate_by_name: with extra="ignore", a keyword argument spelled as the field name
    # would otherwise be dropped silently for every aliased field.
    model_config = SettingsConfigDict(env_prefix="DVIKA_", extra="ignore", validate_by_name=True)

    service_name: str = "dvika"
    # An alias bypasses env_prefix, so both spellings are listed; the DVIKA_ one wins.
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        validation_alias=AliasChoices("DVIKA_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
    )
    mongodb_url: str = Field(
        "mongodb://127.0.0.1:27017/",
        validation_alias=AliasChoices("DVIKA_MONGODB_URL", "MONGODB_URL"),
    )
    mongodb_database: str = "dvika"
    http_host: str = "127.0.0.1"
    http_port: int = 8090
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    # The standard OpenTelemetry variable, so collectors configured for any SDK work here.
    otel_exporter_otlp_endpoint: str | None = Field(
        None,
        validation_alias=AliasChoices(
            "DVIKA_OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"
        ),
    )
    instance_id: str = Field(default_factory=_default_instance_id)
    # 1 on one machine; 3 on a cluster (see deploy/k8s), where min.insync.replicas is 2.
    topic_replication_factor: int = Field(1, ge=1)
    # Where attachments are kept (kit.attachments.LocalFolderStore); the gateway and the
    # intake must share it (one host, or a shared volume). Relative to the working directory.
    attachments_dir: Path = Path(".state/attachments")
    # The largest file accepted as an attachment, in bytes.
    attachment_max_bytes: int = Field(10 * 1024 * 1024, ge=1)
