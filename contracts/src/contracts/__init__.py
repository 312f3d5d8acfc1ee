"""Dvika Care contracts: commands, events and topics shared by every service."""
