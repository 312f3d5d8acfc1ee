"""Dvika Care sla service."""
