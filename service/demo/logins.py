"""Web logins for the demo users (issue 16): an e-mail address and the published demo password.

The addresses are under the reserved ``.example`` domain, so none can belong to a real person.
Like the demo API keys, they are for demo data only; `kantmatch demo` refuses production.
"""

from __future__ import annotations

from sqlmodel import Session

from service.auth import passwords
from service.auth import service as auth_service
from service.auth.models import User
from service.demo.common import DEMO_USERS

DEMO_PASSWORD = "kantmatch-demo"
EMAIL_DOMAIN = "demo.kantmatch.example"


def demo_email(key: str) -> str:
    """The demo user's address, from its key: km_demo_caseworker_360 -> caseworker-360@..."""
    return key.removeprefix("km_demo_").replace("_", "-") + "@" + EMAIL_DOMAIN


def ensure_demo_logins(session: Session) -> dict[str, str]:
    """Give each demo user its address and the demo password (once); e-mail -> user name."""
    logins: dict[str, str] = {}
    for name, _, _, key in DEMO_USERS:
        api_key = auth_service.find_api_key(session, key=key)
        if api_key is None:
            continue
        user = session.get(User, api_key.user_id)
        if user is None:
            continue
        if user.email is None:
            user.email = demo_email(key)
        if user.password_hash is None:
            user.password_hash = passwords.hash_password(DEMO_PASSWORD)
        session.add(user)
        logins[user.email] = name
    session.flush()
    return logins
