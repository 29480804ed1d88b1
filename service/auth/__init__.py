"""Users, API keys, roles, permissions and the audit log."""
