"""Composition root: the CLI, the process supervisor, app wiring; imports the features, nothing imports it."""
