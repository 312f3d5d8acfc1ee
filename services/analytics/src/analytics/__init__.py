"""Dvika Care analytics service: the reports, folded from the ticket event log."""
