"""Channel adapters: web chat, e-mail, SMS and WeChat, each with inbound and outbound."""
