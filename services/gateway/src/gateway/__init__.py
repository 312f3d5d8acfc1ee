"""Dvika Care gateway: HTTP API, read projections and WebSocket fan-out."""
