"""Commands in, decisions out: the tickets service's use cases, still free of I/O."""
