"""Notify's pure rules: who hears what about a ticket, links, threading, retries. No I/O."""
