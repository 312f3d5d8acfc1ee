"""Outside systems the tickets service talks to: the Kafka event log and producers."""
