"""Console commands to call control: ``web/`` publishes them to Redis, the controller executes them.

``web/`` never talks to ARI; it calls :func:`telephony.commands.bus.send_command`.
"""
