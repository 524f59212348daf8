"""Connectors to outside systems: order and logistics lookup ("where is my order")."""
