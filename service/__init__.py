"""Kantmatch: company job-task matching for Rekruttering fra kanten."""

__version__ = "0.1.0"
