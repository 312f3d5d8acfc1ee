"""Dvika Care intake service."""
