"""Routing rules and assignment: pure, no I/O, no clock."""
