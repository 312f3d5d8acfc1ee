"""Dvika Care tickets service: the event-sourced ticket aggregate and its exactly-once loop."""
