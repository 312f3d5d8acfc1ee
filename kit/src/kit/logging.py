"""Structured logging: one JSON object per line on stdout, for structlog and stdlib alike.

Library loggers (uvicorn, aiokafka, pymongo) go through the same renderer, so a
log shipper sees a single format, and every line emitted inside a span carries its
`trace_id`/`span_id` to join logs with traces.
"""

from __future__ import annotations

import logging
import sys

import structlog
from opentelemetry import trace
from structlog.types import EventDict, Processor, WrappedLogger

# Chatty at INFO (per-request access lines, per-connection chatter); their warnings still show.
_NOISY_LOGGERS = ("aiokafka", "uvicorn.access", "pymongo", "httpx", "httpcore")

# Structured tracebacks without frame locals: those may hold secrets or customer data.
_JSON_TRACEBACKS = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
)

# Marks the handler we install so a second call replaces it instead of doubling every line.
_HANDLER_NAME = "dvika-structlog"


def add_otel_context(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """Add the current OpenTelemetry span's ids, in the hex form trace back-ends show."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event_dict["trace_id"] = format(context.trace_id, "032x")
        event_dict["span_id"] = format(context.span_id, "016x")
    return event_dict


def _add_service(service: str) -> Processor:
    def add_service(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        event_dict.setdefault("service", service)
        return event_dict

    return add_service


def _drop_color_message(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    # Uvicorn passes an ANSI-coloured copy of each message as `extra`; it is noise in JSON.
    event_dict.pop("color_message", None)
    return event_dict


def _level_number(level: str) -> int:
    number = logging.getLevelNamesMapping().get(level.strip().upper())
    if number is None:
        raise ValueError(f"unknown log level {level!r}")
    return number


def configure_logging(service: str, level: str = "INFO", fmt: str = "json") -> None:
    """Route structlog and the standard library to stdout as JSON (or console) lines.

    Safe to call again (tests, reloads): the previous handler is replaced.
    """
    if fmt not in ("json", "console"):
        raise ValueError(f"unknown log format {fmt!r}; expected 'json' or 'console'")
    threshold = _level_number(level)

    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        add_otel_context,
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=sys.stdout.isatty())
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Module-level loggers are often created (and used) before this runs; caching would
        # pin them to structlog's defaults.
        cache_logger_on_first_use=False,
    )

    formatter = structlog.stdlib.ProcessorFormatter(
        # Stdlib records (libraries) get the same fields; `extra=` becomes keys.
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_color_message],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *([_JSON_TRACEBACKS] if fmt == "json" else []),
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(threshold)

    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # Libraries that install their own handlers would print a second, unstructured line.
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
    for name in _NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(threshold, logging.WARNING))


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.stdlib.get_logger(name)
