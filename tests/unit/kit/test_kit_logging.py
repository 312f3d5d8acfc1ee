from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog
from opentelemetry.sdk.trace import TracerProvider

from kit.logging import configure_logging, get_logger


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_json_lines_with_service_level_and_timestamp(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("demo", "INFO")
    get_logger("demo.module").info("hello", ticket="T-1")
    get_logger("demo.module").debug("hidden")
    [line] = _lines(capsys)
    assert line["event"] == "hello"
    assert line["ticket"] == "T-1"
    assert line["service"] == "demo"
    assert line["level"] == "info"
    assert str(line["timestamp"]).endswith("Z")
    assert "trace_id" not in line


def test_trace_and_span_ids_inside_a_span(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("demo")
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        get_logger().info("inside")
    [line] = _lines(capsys)
    context = span.get_span_context()
    assert line["trace_id"] == format(context.trace_id, "032x")
    assert line["span_id"] == format(context.span_id, "016x")


def test_stdlib_records_share_the_format_and_noisy_libraries_are_quieted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("demo", "debug")
    configure_logging("demo", "debug")  # Twice: must not print every line twice.
    logging.getLogger("uvicorn.error").info("started", extra={"port": 8080, "color_message": "x"})
    logging.getLogger("aiokafka").info("chatter")
    logging.getLogger("aiokafka").warning("rebalancing")
    lines = _lines(capsys)
    assert [line["event"] for line in lines] == ["started", "rebalancing"]
    assert lines[0]["service"] == "demo"
    assert lines[0]["port"] == 8080
    assert lines[0]["logger"] == "uvicorn.error"
    assert "color_message" not in lines[0]


def test_rejects_unknown_level_and_format() -> None:
    with pytest.raises(ValueError, match="level"):
        configure_logging("demo", "LOUD")
    with pytest.raises(ValueError, match="format"):
        configure_logging("demo", "INFO", "xml")


def test_exceptions_are_structured_without_frame_locals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("demo")
    password = "hunter2"
    try:
        raise RuntimeError("failed")
    except RuntimeError:
        get_logger().exception("boom")
    [line] = _lines(capsys)
    assert line["exception"][0]["exc_type"] == "RuntimeError"  # type: ignore[index]
    assert password not in json.dumps(line)
