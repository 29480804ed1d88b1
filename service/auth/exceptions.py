"""Errors of the auth domain."""

from __future__ import annotations

from service.errors import ConflictError, NotFoundError, UnauthorizedError


class InvalidCredentialsError(UnauthorizedError):
    """No key, an unknown key, a revoked key or an inactive user."""

    def __init__(self) -> None:
        super().__init__(
            "Manglende eller ugyldig API-nøgle (send 'Authorization: Bearer <nøgle>')",
            "Missing or invalid API key (send 'Authorization: Bearer <key>')",
        )


class UserNotFoundError(NotFoundError):
    """No user with that id."""

    def __init__(self, user_id: str) -> None:
        super().__init__(f"Brugeren {user_id} findes ikke", f"User {user_id} does not exist")


class ApiKeyNotFoundError(NotFoundError):
    """No API key with that id."""

    def __init__(self, key_id: str) -> None:
        super().__init__(f"API-nøglen {key_id} findes ikke", f"API key {key_id} does not exist")


class EmailTakenError(ConflictError):
    """Another user has the e-mail address."""

    def __init__(self, email: str) -> None:
        super().__init__(
            f"Der findes allerede en bruger med e-mailen {email}",
            f"A user with the e-mail {email} already exists",
        )
