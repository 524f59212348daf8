"""Compliance rules on what agents and callers say or write: forbidden statements and required disclosures.

One engine serves live calls (through a :class:`~qa.compliance.engine.ComplianceMonitor` per call),
text replies before they are sent, and the command line. Rules live in a YAML file admins edit
(:mod:`qa.compliance.store`).
"""
