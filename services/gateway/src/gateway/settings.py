"""Settings of the gateway, from the environment (prefix DVIKA_)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator

from kit.settings import ServiceSettings

DEV_TRACKING_SECRET = "development-only-tracking-secret"
# The web UI's build (`make ui`) in this checkout: services/gateway/src/gateway/ -> repo root.
REPO_WEB_DIST = Path(__file__).resolve().parents[4] / "web" / "dist"


class GatewaySettings(ServiceSettings):
    service_name: str = "gateway"
    http_port: int = 8080
    # How long a request waits for the tickets service to accept its command.
    command_timeout_s: float = 10.0
    # Longest wait of GET ?min_version=N for the read model to catch up.
    read_wait_s: float = 3.0
    projection_group: str = "dvika-gateway-projection"
    # "production" refuses to start without DVIKA_JWT_SECRET and never creates demo accounts.
    environment: Literal["development", "production"] = "development"
    # The key signing access and refresh tokens (HS256, at least 32 bytes). Unset in
    # development: a random key per process, with a warning.
    jwt_secret: SecretStr | None = None
    access_token_ttl_s: int = Field(15 * 60, ge=60, le=24 * 3600)
    refresh_token_ttl_s: int = Field(14 * 24 * 3600, ge=3600)
    # POST /api/v1/auth/login: attempts per minute per client IP and per email; 0 turns off.
    login_attempts_per_minute: int = Field(10, ge=0)
    # Customers' tracking tokens are HMACs under this key (see gateway/tracking.py). Every
    # gateway instance needs the same one; production refuses the development default.
    tracking_secret: SecretStr = SecretStr(DEV_TRACKING_SECRET)
    # Requests per minute per address to the public ticket endpoints (no login); 0 turns off.
    public_requests_per_minute: int = Field(120, ge=0)
    # Where customers reach the portal; tracking links start with it.
    public_url: str = "http://127.0.0.1:8080"
    # The built web UI (index.html, assets/) served at /support, /admin and /assets; None or a
    # folder without index.html: those routes answer 503 (DVIKA_WEB_DIST).
    web_dist: Path | None = REPO_WEB_DIST
    # Where the listing index keeps its SQLite file (rebuilt on start); None: a temporary
    # directory removed on stop (DVIKA_LISTING_INDEX_DIR).
    listing_index_dir: Path | None = None
    # The intake service, where POST /api/v1/intake and /api/v1/intake/slack are forwarded.
    intake_url: str = "http://127.0.0.1:8082"
    # The routing service, where GET/PUT /api/v1/routing/rules are forwarded.
    routing_url: str = "http://127.0.0.1:8083"
    # The analytics service, where GET /api/v1/reports/{metric} is forwarded.
    analytics_url: str = "http://127.0.0.1:8086"
    # Prometheus' HTTP API, which GET /api/v1/ops/summary (the console's Ops page) queries.
    prometheus_url: str = "http://127.0.0.1:9090"
    # The knowledge service, where /api/v1/kb/... is forwarded.
    knowledge_url: str = "http://127.0.0.1:8087"
    # The notify service, whose console feed GET/POST /api/v1/notifications... read and mark.
    notify_url: str = "http://127.0.0.1:8085"
    # Notify's DVIKA_NOTIFY_ADMIN_TOKEN (the same variable): sent as its bearer token when set.
    notify_admin_token: SecretStr | None = None
    # Sites allowed to call the API from a browser (CORS: GET/POST, no credentials, no
    # Authorization header), i.e. where the chat widget (/widget.js) may be embedded;
    # ["*"]: any site (DVIKA_WIDGET_ORIGINS='["https://shop.example"]' narrows it).
    widget_origins: list[str] = ["*"]
    # Every staff account's roster snapshot is published again this often (and at start),
    # healing a publish lost to a crash or a Kafka outage; 0 turns the repeat off.
    roster_republish_s: float = Field(300.0, ge=0)

    @model_validator(mode="after")
    def _production_has_its_own_tracking_secret(self) -> Self:
        default = self.tracking_secret.get_secret_value() == DEV_TRACKING_SECRET
        if self.environment == "production" and default:
            raise ValueError("set DVIKA_TRACKING_SECRET in production")
        return self

    @property
    def tracking_key(self) -> bytes:
        return self.tracking_secret.get_secret_value().encode()
