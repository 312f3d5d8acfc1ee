"""Dvika Care shared kit: settings, logging, tracing, broker and MongoDB factories, health."""
