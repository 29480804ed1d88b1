"""Organisations that hold company contacts: every job centre and business organisations."""
