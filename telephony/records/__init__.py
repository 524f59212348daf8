"""Call records: one row per finished call, written when the call ends (off the media path)."""
