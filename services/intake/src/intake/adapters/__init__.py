"""Outside systems: Kafka, MongoDB, the SMTP listener."""
