"""Settings, storage, events and jobs shared by every Voxdesk package, plus the files admins edit."""
