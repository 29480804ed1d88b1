"""Errors of the mentor domain."""

from __future__ import annotations

from service.errors import ConflictError, FieldError, NotFoundError, ValidationFailedError


class MentorNotFoundError(NotFoundError):
    """No mentor with that id."""

    def __init__(self, mentor_id: str) -> None:
        super().__init__(f"Mentoren {mentor_id} findes ikke", f"Mentor {mentor_id} does not exist")


class MentorMatchNotFoundError(NotFoundError):
    """No match with that id (or none the caller may see)."""

    def __init__(self, match_id: str) -> None:
        super().__init__(
            f"Mentorforløbet {match_id} findes ikke", f"Mentor match {match_id} does not exist"
        )


class MentorFullError(ConflictError):
    """The mentor is paused or already has as many citizens as they take."""

    def __init__(self, name: str, *, paused: bool, max_mentees: int) -> None:
        if paused:
            da, en = f"{name} holder pause som mentor", f"{name} is paused as a mentor"
        else:
            da = f"{name} har allerede {max_mentees} borger(e), som er det højeste antal"
            en = f"{name} already has {max_mentees} citizen(s), the most they take"
        super().__init__(da, en, code="mentor_full")


class CitizenHasMentorError(ConflictError):
    """The citizen already has an active mentor."""

    def __init__(self, match_id: str) -> None:
        super().__init__(
            f"Borgeren har allerede en mentor (forløb {match_id}); afslut det først",
            f"The citizen already has a mentor (match {match_id}); end it first",
            code="citizen_has_mentor",
        )


class MatchAlreadyEndedError(ConflictError):
    """An ended match cannot be ended again."""

    def __init__(self) -> None:
        super().__init__("Mentorforløbet er allerede afsluttet", "The match has already ended")


class MentorMatchDataError(ValidationFailedError):
    """A field of a match does not fit (dates, placement)."""

    def __init__(self, field: str, da: str, en: str) -> None:
        super().__init__(
            "Mentorforløbet kan ikke gemmes",
            "The mentor match cannot be saved",
            fields=[FieldError(field, da, en)],
        )
