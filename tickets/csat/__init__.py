"""Customer satisfaction surveys after a solved ticket or an ended call."""
