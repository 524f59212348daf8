"""Stored compliance alerts, for calls and text conversations alike (what a rule found, with evidence)."""
