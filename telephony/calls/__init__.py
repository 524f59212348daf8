"""Live calls: the state machine, the Redis store and the call notifier."""
