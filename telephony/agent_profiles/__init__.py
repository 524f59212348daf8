"""Who an agent is to call control: their SIP endpoint (from ``SipCredential``), skills and queues."""
