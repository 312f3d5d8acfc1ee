"""How the world reaches the tickets service: the command topic and its ops HTTP port."""
