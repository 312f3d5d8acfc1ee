"""Running a service process: the event loop, the HTTP server and the ops-only app."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from types import FrameType
from typing import TypeVar

import uvicorn
from fastapi import FastAPI

from contracts.topics import TopicSpec
from kit.kafka import kafka_readiness_check, prepare_kafka
from kit.logging import configure_logging, get_logger
from kit.ops import add_ops_routes
from kit.settings import ServiceSettings
from kit.tracing import configure_tracing

S = TypeVar("S", bound=ServiceSettings)
_STARTUP_POLL_S = 0.1


async def serve_http(app: FastAPI, host: str, port: int) -> None:
    """Serve `app` until SIGTERM/SIGINT (handled by uvicorn: graceful, lifespan shutdown runs).

    Raises if the app did not start, e.g. its lifespan startup failed.
    """
    # log_config=None: uvicorn's loggers propagate to the handler `configure_logging` set.
    # The sans-I/O websockets protocol: a send is a frame written to the transport, without
    # the legacy implementation's task and locks per message (the live hub sends thousands
    # a second). No per-message deflate: it compressed every message once per socket (12 %
    # of the gateway's CPU at 1,000 sockets) to save a few hundred bytes of JSON.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        lifespan="on",
        ws="websockets-sansio",
        ws_per_message_deflate=False,
    )
    server = uvicorn.Server(config)
    serving = asyncio.ensure_future(server.serve())
    while not server.started and not serving.done():
        await asyncio.wait({serving}, timeout=_STARTUP_POLL_S)
        if server.should_exit and not server.started and not serving.done():
            # A signal during start-up only sets a flag uvicorn reads once the lifespan has
            # started, which a lifespan waiting for Kafka may not do for a minute: stop now.
            get_logger(__name__).warning("stopping before start-up finished")
            serving.cancel()
            await asyncio.wait({serving})
            return
    await serving
    if not server.started:
        # Uvicorn has logged why; without this a failed start-up would exit 0.
        raise RuntimeError(f"HTTP server on {host}:{port} did not start")


def ops_only_app(
    settings: ServiceSettings,
    *,
    topics: Iterable[TopicSpec],
    startup_timeout_s: float = 60,
) -> FastAPI:
    """An app with only the ops routes, that waits for Kafka and provisions `topics` at start.

    For services that consume nothing yet; they grow their own app from this shape.
    """
    bootstrap = settings.kafka_bootstrap_servers
    specs = tuple(topics)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log = get_logger(__name__)
        log.info("waiting for kafka", bootstrap_servers=bootstrap)
        await prepare_kafka(settings, specs, timeout_s=startup_timeout_s)
        log.info("started", instance_id=settings.instance_id)
        yield

    app = FastAPI(title=settings.service_name, lifespan=lifespan)
    add_ops_routes(
        app, service=settings.service_name, checks={"kafka": kafka_readiness_check(bootstrap)}
    )
    return app


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Uvicorn re-raises SIGTERM after its graceful shutdown. Dying by the signal would skip
    # atexit hooks such as the span exporter's final flush; a normal exit runs them.
    raise SystemExit(0)


def run(main: Callable[[], Awaitable[None]]) -> None:
    """Run `main` on uvloop when installed; Ctrl-C and SIGTERM end the process with status 0."""

    async def entry() -> None:
        await main()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        try:
            import uvloop
        except ImportError:
            asyncio.run(entry())
        else:
            uvloop.run(entry())
    except KeyboardInterrupt:
        pass


def serve(settings: S, create_app: Callable[[S], FastAPI]) -> None:
    """The whole life of a service process: logs, traces, then its app over HTTP."""
    configure_logging(settings.service_name, settings.log_level, settings.log_format)
    configure_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint)

    async def main() -> None:
        # Built inside the running loop: Kafka clients bind to the loop they are created in.
        await serve_http(create_app(settings), settings.http_host, settings.http_port)

    run(main)
