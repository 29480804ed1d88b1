"""The web pages (issue 16): Danish, server-rendered, on Det Fælles Designsystem.

Page routes are thin: they call the same service functions as the API and leave who-sees-what
to ``service/auth/policy.py``. Login sessions, CSRF and the security headers are here too.
"""
