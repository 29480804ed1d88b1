"""The columns the citizen and BIP imports understand, and the words accepted in their cells.

Headers are matched after ``fold_key`` (case, spacing and punctuation ignored); Danish first,
English accepted. Editing these tables changes what the importers read, nothing else.
"""

from __future__ import annotations

import re

from service.citizens.bip import INDICATORS, LABELS_DA, QUESTIONS_DA
from service.places import municipalities
from service.sectors import SECTOR_NAMES_DA, Sector
from service.tabular import fold_header


def fold_key(text: str) -> str:
    """A header or word folded for matching: case, spacing and all punctuation ignored."""
    return fold_header(re.sub(r"[^\w\s]", " ", text))


CITIZEN_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("navn", "borger", "borgerens navn", "fulde navn", "name", "full name"),
    "external_ref": (
        "sagsnummer",
        "sagsnr",
        "sags nr",
        "journalnummer",
        "journalnr",
        "reference",
        "external ref",
        "case number",
    ),
    "cpr": ("cpr", "cpr nr", "cprnr", "cpr nummer", "cprnummer", "personnummer", "cpr number"),
    "municipality_code": ("kommunekode", "kommune kode", "kommunenr", "kommune", "municipality"),
    "postal_code": ("postnr", "post nr", "postnummer", "postal code", "zip"),
    # Issue 13: explicit home coordinates (WGS84, decimal point), else the postal code's centre.
    "lat": ("lat", "latitude", "breddegrad"),
    "lon": ("lon", "lng", "longitude", "længdegrad"),
    "has_driving_licence": ("kørekort", "har kørekort", "driving licence", "driving license"),
    "has_car": ("bil", "har bil", "egen bil", "car", "has car"),
    "transport": ("transport", "transportmiddel", "transportform"),
    "max_commute_km": (
        "maks transport km",
        "max transport km",
        "maks pendling km",
        "max pendling km",
        "transportafstand",
        "transportafstand km",
        "maks afstand km",
        "max commute km",
    ),
    "hours_per_week": (
        "timer pr uge",
        "timer om ugen",
        "timer per uge",
        "ugentlige timer",
        "hours per week",
    ),
    "wishes": ("jobønsker", "job ønsker", "ønsker", "ønsker til job", "wishes", "job wishes"),
    "preferred_sectors": ("ønskede brancher", "foretrukne brancher", "preferred sectors"),
    "excluded_sectors": ("fravalgte brancher", "uønskede brancher", "excluded sectors"),
    "preferred_tasks": ("ønskede opgaver", "foretrukne opgaver", "preferred tasks"),
    "excluded_tasks": ("fravalgte opgaver", "uønskede opgaver", "excluded tasks"),
    "danish_level": ("dansk niveau", "danskniveau", "dansk", "danish level"),
    "cannot_lift_heavy": ("kan ikke løfte tungt", "ingen tunge løft", "cannot lift heavy"),
    "cannot_handle_food": (
        "kan ikke håndtere fødevarer",
        "ingen fødevarer",
        "cannot handle food",
    ),
    "cannot_stand_long": ("kan ikke stå længe", "ikke stående arbejde", "cannot stand long"),
    "criminal_record": ("straffeattest", "straffet", "plettet straffeattest", "criminal record"),
    "other_limits": ("andre begrænsninger", "begrænsninger", "other limits"),
    "notes": ("noter", "note", "bemærkninger", "notes"),
    "status": ("status",),
    "status_reason": ("afslutningsårsag", "årsag", "status årsag", "status reason"),
    "programme_start_date": (
        "startdato",
        "start dato",
        "start i projektet",
        "opstart",
        "programme start date",
    ),
    "programme_end_date": ("slutdato", "slut dato", "afsluttet dato", "programme end date"),
    "caseworker": ("sagsbehandler", "sagsbehandler e mail", "caseworker"),
    "audit_gender": ("køn", "gender"),
    "audit_birth_year": ("fødselsår", "birth year"),
}

BIP_HEADERS: dict[str, tuple[str, ...]] = {
    "external_ref": CITIZEN_HEADERS["external_ref"],
    "cpr": CITIZEN_HEADERS["cpr"],
    "municipality_code": CITIZEN_HEADERS["municipality_code"],
    "measured_on": ("dato", "målingsdato", "måledato", "bip dato", "measured on", "date"),
    "job_goal": ("idé om job", "ide om job", "jobmål", "idé om arbejde", "job goal"),
    "substance_abuse": ("misbrug", "substance abuse"),
    "daily_energy": ("overskud", "overskud i hverdagen", "daily energy"),
    "social_support": ("støtte", "støtte fra familie og venner", "social support"),
    "cooperation": ("samarbejde", "cooperation"),
    "contacting_strangers": ("kontakt", "kontakt til fremmede", "contacting strangers"),
    "health": ("helbred", "helbred ift arbejde", "health"),
    "competences_usable": ("kompetencer", "kompetencer kan bruges", "competences usable"),
    "can_manage_job": ("klare et arbejde", "kan klare et arbejde", "can manage job"),
    "job_search_knowledge": (
        "ved hvad der skal til",
        "forbedre muligheder",
        "job search knowledge",
    ),
    "caseworker_belief": (
        "sagsbehandlers tro på job",
        "sagsbehandlerens tro på job",
        "tro på job",
        "caseworker belief",
    ),
}
# Every indicator is also found by its key, its short label and its full question.
for _key in INDICATORS:
    BIP_HEADERS[_key] = (*BIP_HEADERS[_key], _key, LABELS_DA[_key], QUESTIONS_DA[_key])

TRANSPORT_WORDS = {
    "bil": "car",
    "car": "car",
    "offentlig transport": "public_transport",
    "offentlig": "public_transport",
    "bus": "public_transport",
    "tog": "public_transport",
    "bus og tog": "public_transport",
    "public transport": "public_transport",
    "cykel": "bicycle",
    "bicycle": "bicycle",
    "gå": "walking",
    "gang": "walking",
    "til fods": "walking",
    "walking": "walking",
}
CRIMINAL_RECORD_WORDS = {
    "ja": "yes",
    "yes": "yes",
    "nej": "no",
    "no": "no",
    "ved ikke": "unknown",
    "ukendt": "unknown",
    "unknown": "unknown",
}
STATUS_WORDS = {
    "aktiv": "active",
    "active": "active",
    "pause": "paused",
    "på pause": "paused",
    "pauseret": "paused",
    "paused": "paused",
    "afsluttet": "ended",
    "ophørt": "ended",
    "ended": "ended",
}
GENDER_WORDS = {
    "kvinde": "female",
    "k": "female",
    "female": "female",
    "f": "female",
    "mand": "male",
    "m": "male",
    "male": "male",
    "andet": "other",
    "other": "other",
}
MUNICIPALITY_BY_NAME = {m.name.casefold(): code for code, m in municipalities().items()}
SECTOR_BY_WORD = {
    **{name.casefold(): slug.value for slug, name in SECTOR_NAMES_DA.items()},
    **{slug.value: slug.value for slug in Sector},
}
# Answers that mean "not answered": the indicator stays missing, never becomes a score.
MISSING_ANSWER_WORDS = frozenset(
    {"", "-", "ved ikke", "vil ikke svare", "ikke besvaret", "na", "n a"}
)
BOOL_FIELDS = (
    "has_driving_licence",
    "has_car",
    "cannot_lift_heavy",
    "cannot_handle_food",
    "cannot_stand_long",
)
LIMIT_FIELDS = {
    "cannot_lift_heavy": "cannot_lift_heavy",
    "cannot_handle_food": "cannot_handle_food",
    "cannot_stand_long": "cannot_stand_long",
    "criminal_record": "criminal_record",
    "other_limits": "other",
}
