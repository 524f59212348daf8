"""What the customer sees of their ticket: a signed progress link, the progress itself (status, the
flow's tasks, the updates meant for them) and a message on their channel when the ticket moves."""
