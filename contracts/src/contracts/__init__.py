"""Dvika Care contracts: the commands, events and topics every service shares.

Only this package and the small kit are shared between services. Everything here is
immutable (frozen pydantic models) and carries an explicit, stable type name and a schema
version, never a module path.
"""
