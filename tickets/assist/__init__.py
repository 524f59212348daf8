"""Agent assist and the FAQ bot on text conversations (the decisions live in qa/)."""
