"""Dvika Care shared kit: settings, logging, tracing, broker and MongoDB factories, health.

Import the submodules (`kit.settings`, `kit.kafka`, ...); nothing is re-exported here, so
importing `kit` stays cheap and pulls in no broker or web framework.
"""
