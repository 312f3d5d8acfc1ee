"""Dvika Care notify service."""
