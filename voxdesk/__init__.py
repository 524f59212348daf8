"""Composition root: CLI, process supervisor, app wiring; imports the features, nothing imports it."""
