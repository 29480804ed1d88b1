"""Placements, wage-hour agreements and budget examples under Danish benefit rules."""
