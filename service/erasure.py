"""Erasing a citizen across the domains: the one place that knows who holds their data.

Right to erasure (GDPR art. 17): each domain that keeps something about a citizen offers an
``erase``-style function for its own tables; this coordinator, above the domains, calls them
in one transaction and lets the citizens domain erase the citizen last. No domain calls a
downstream one. A domain that starts keeping personal data adds one line to ``DOWNSTREAM``;
``tests/citizens/test_erasure.py`` searches every table afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from service import idempotency
from service.auth.principal import Principal
from service.bustours import erasure as bustours_erasure
from service.citizens import service as citizens_service
from service.citizens.models import Citizen
from service.mentors import erasure as mentors_erasure
from service.placements import erasure as placements_erasure
from service.reminders import erasure as reminders_erasure

Eraser = Callable[..., int]

# What each downstream domain does with the citizen's data, by the name its count is audited as.
DOWNSTREAM: tuple[tuple[str, Eraser], ...] = (
    # Placements stay as anonymous counts: no citizen id, no free text.
    ("placements", placements_erasure.anonymise_citizen_placements),
    # The citizen leaves every saved bus tour; the other citizens' plan stays.
    ("bus_tours", bustours_erasure.remove_citizen_from_tours),
    # SMS reminders lose the number, the text and the place; queued ones are cancelled.
    ("sms_reminders", reminders_erasure.erase_citizen_data),
    # Mentor matches stay as anonymous counts: no citizen id, first name or assessment.
    ("mentor_matches", mentors_erasure.erase_citizen_data),
    # Answers kept for Idempotency-Key retries (at most 24 hours) that name the citizen.
    ("idempotent_answers", idempotency.erase_citizen_data),
)


def erase_citizen(session: Session, *, citizen: Citizen, actor: Principal) -> None:
    """Erase a citizen's personal data everywhere; only anonymous counts and id-only audit rows
    remain. Refused (403) unless the actor manages citizens of the municipality."""
    citizens_service.check_caseworker_scope(actor, citizen.municipality_code)
    counts = {name: erase(session, citizen_id=citizen.id) for name, erase in DOWNSTREAM}
    citizens_service.erase_citizen_data(session, citizen=citizen, actor=actor, downstream=counts)
