"""Call recording: start with the bridge, pause/resume around card data, purge after retention."""
