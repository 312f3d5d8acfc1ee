"""How clients and Kafka reach the gateway: HTTP routes, the WebSocket, event subscribers."""
