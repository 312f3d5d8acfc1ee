"""MongoDB and Kafka for routing."""
