"""Dvika Care routing service."""
