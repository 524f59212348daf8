"""SLA policies, business-time deadlines, reminders and escalation at a breach."""
