"""Where input arrives: the SMTP listener's mail, partner records, ticket events."""
