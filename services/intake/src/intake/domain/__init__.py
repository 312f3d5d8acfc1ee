"""The intake's pure rules: reading mail and partner records, loop detection, dedupe ids."""
