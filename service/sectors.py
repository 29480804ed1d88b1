"""The evaluation's 10 sectors (Table 2.4): fixed slugs every domain shares."""

from __future__ import annotations

from enum import StrEnum


class Sector(StrEnum):
    """The 10 main sectors of the evaluation, by their fixed slugs."""

    landbrug = "landbrug"
    industri = "industri"
    bygge_anlaeg = "bygge_anlaeg"
    detailhandel = "detailhandel"
    anden_handel = "anden_handel"
    hoteller_restauranter = "hoteller_restauranter"
    sociale_institutioner = "sociale_institutioner"
    foreninger_kultur_renovation = "foreninger_kultur_renovation"
    offentlig_adm_undervisning_sundhed = "offentlig_adm_undervisning_sundhed"
    andre_brancher = "andre_brancher"


SECTOR_NAMES_DA: dict[Sector, str] = {
    Sector.landbrug: "Landbrug, gartneri og skovbrug",
    Sector.industri: "Industri",
    Sector.bygge_anlaeg: "Bygge og anlæg",
    Sector.detailhandel: "Detailhandel og reparationsvirksomhed undtagen med biler",
    Sector.anden_handel: "Anden handel",
    Sector.hoteller_restauranter: "Hoteller og restauranter",
    Sector.sociale_institutioner: "Sociale institutioner",
    Sector.foreninger_kultur_renovation: "Foreninger, kultur og renovation",
    Sector.offentlig_adm_undervisning_sundhed: "Off. adm., undervisning og sundhed",
    Sector.andre_brancher: "Andre brancher",
}

# Participating companies per sector in the evaluation's survey (Table 2.4, n=310, VIVE 2020).
SURVEY_COMPANIES_BY_SECTOR: dict[Sector, int] = {
    Sector.landbrug: 13,
    Sector.industri: 18,
    Sector.bygge_anlaeg: 28,
    Sector.detailhandel: 75,
    Sector.anden_handel: 15,
    Sector.hoteller_restauranter: 29,
    Sector.sociale_institutioner: 33,
    Sector.foreninger_kultur_renovation: 30,
    Sector.offentlig_adm_undervisning_sundhed: 27,
    Sector.andre_brancher: 42,
}
