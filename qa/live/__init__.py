"""Live QA on calls: compliance alerts and agent-assist suggestions from the transcript, per call."""
