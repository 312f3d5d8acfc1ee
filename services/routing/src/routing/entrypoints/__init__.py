"""Kafka followers and HTTP routes of routing."""
