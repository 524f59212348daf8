"""Inbound calls: the Stasis handlers, the IVR driver and the flow source they use."""
