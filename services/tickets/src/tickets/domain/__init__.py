"""The ticket aggregate: pure decisions and state, no I/O, time from the caller."""
