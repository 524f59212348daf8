"""A scriptable SIP user agent (pjsua2) that plays the customer or an agent softphone in tests and demos.

pjsua2 runs only in a child process (``python -m telephony.sipua.agent``): it keeps its own threads and
global state, allows 4 calls per process, and aborts the interpreter if torn down in the wrong order, none
of which belongs inside an asyncio service. :mod:`telephony.sipua.client` launches it and parses its
JSON-lines output into typed results.
"""

from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan, SoftphoneResult

__all__ = ["CallPlan", "CallResult", "DtmfStep", "SoftphonePlan", "SoftphoneResult"]
