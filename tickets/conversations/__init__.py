"""Conversations and messages across channels; a call is a conversation of transcript segments."""
