"""What the demo data sets share: the seed, the staff's published keys, names and draws."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import TypeVar

from service.auth.principal import Role
from service.places import GULDBORGSUND, LOLLAND

DEMO_SEED = 2020
T = TypeVar("T")
K = TypeVar("K")

# Published keys for the demo users; `kantmatch demo` refuses to run in production.
DEMO_USERS: tuple[tuple[str, Role, str | None, str], ...] = (
    ("Demo administrator", Role.admin, None, "km_demo_admin"),
    ("Demo sagsbehandler Lolland", Role.caseworker, LOLLAND, "km_demo_caseworker_360"),
    ("Demo sagsbehandler Guldborgsund", Role.caseworker, GULDBORGSUND, "km_demo_caseworker_376"),
    (
        "Demo virksomhedskonsulent Lolland",
        Role.company_consultant,
        LOLLAND,
        "km_demo_consultant_360",
    ),
    (
        "Demo virksomhedskonsulent Guldborgsund",
        Role.company_consultant,
        GULDBORGSUND,
        "km_demo_consultant_376",
    ),
    ("Demo BLF-konsulent", Role.blf_consultant, None, "km_demo_blf"),
    ("Demo vidensdelingsværktøj", Role.integration, None, "km_demo_integration"),
)

# The demo staff per municipality: (caseworker key, company consultant key).
DEMO_STAFF_KEYS: dict[str, tuple[str, str]] = {
    LOLLAND: ("km_demo_caseworker_360", "km_demo_consultant_360"),
    GULDBORGSUND: ("km_demo_caseworker_376", "km_demo_consultant_376"),
}

SURNAMES = (
    "Hansen", "Jensen", "Nielsen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Poulsen",
    "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen",
    "Lund", "Holm", "Schmidt", "Eriksen", "Karimi", "Yilmaz", "Nowak",
)  # fmt: skip


def weighted(rng: random.Random, shares: dict[str, int]) -> str:
    """One key of ``shares``, drawn with the values as weights."""
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def pick(rng: random.Random, options: Sequence[T]) -> T:
    """One of ``options``, uniformly."""
    return options[rng.randrange(len(options))]


def largest_remainder(total: int, shares: Mapping[K, float]) -> dict[K, int]:
    """Split ``total`` in proportion to ``shares`` into whole numbers that add up."""
    weight = sum(shares.values())
    exact = {k: total * v / weight for k, v in shares.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for key in sorted(exact, key=lambda k: exact[k] - counts[k], reverse=True)[
        : total - sum(counts.values())
    ]:
        counts[key] += 1
    return counts
