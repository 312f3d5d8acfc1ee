"""The gateway's outside systems: Kafka (commands, replies) and MongoDB (read models)."""
