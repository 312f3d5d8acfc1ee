"""Settings of the knowledge service (environment variables prefixed `DVIKA_`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field

from kit.settings import ServiceSettings, service_port_field


class KnowledgeSettings(ServiceSettings):
    service_name: str = "knowledge"
    # DVIKA_KNOWLEDGE_HTTP_PORT, else DVIKA_HTTP_PORT.
    http_port: int = service_port_field("knowledge", 8087)
    # How long start-up may take to read the article and ticket logs before serving.
    catch_up_timeout_s: float = Field(
        300.0, validation_alias=AliasChoices("DVIKA_KNOWLEDGE_CATCH_UP_TIMEOUT_S")
    )
    # DVIKA_KNOWLEDGE_REBUILD=1: drop the read model (articles, revisions) at start and write
    # it again from the log (votes, suggestions and deflections are kept and recounted).
    rebuild: bool = Field(False, validation_alias=AliasChoices("DVIKA_KNOWLEDGE_REBUILD"))
    # Where the two search indexes keep their files (`articles/`, `tickets/` in it), emptied
    # and rebuilt from the logs at every start, so deleting it is always safe. Unset: a
    # temporary folder, removed on stop.
    index_dir: Path | None = Field(None, validation_alias=AliasChoices("DVIKA_KNOWLEDGE_INDEX_DIR"))
