"""The generator of the shipped ILLUSTRATIVE data set for Lolland (360) and Guldborgsund (376).

Nothing here is a statistic. The tables have the shapes of the real downloads (Statistics
Denmark's StatBank CSV export, the LSK vacancy tables) so the readers and the forecast can be
shown end to end, but every number is invented: rough magnitudes (about 17,000 jobs at
workplaces in Lolland and 22,000 in Guldborgsund), an older workforce that ages further, most
sectors flat or declining with the decline slowing, a 2009 crisis dip and a 2020 dip in hotels
and restaurants. The pseudo-random noise comes from SHA-256 of a key, so the files are the same
on every machine: ``python -m labour_market.illustrative DIRECTORY`` rewrites them.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

ILLUSTRATIVE_DATE = "2026-11-27"
YEARS = range(2008, 2025)
QUARTER_YEARS = range(2015, 2025)
TARGET_JOBS = {"360": 17_000, "376": 22_000}  # rough illustrative magnitudes for 2024
MUNICIPALITY_LABELS = {"360": "Lolland", "376": "Guldborgsund"}

SECTOR_SHARES: dict[str, dict[str, float]] = {
    "360": {
        "landbrug": 0.05,
        "industri": 0.14,
        "bygge_anlaeg": 0.07,
        "detailhandel": 0.09,
        "anden_handel": 0.04,
        "hoteller_restauranter": 0.04,
        "sociale_institutioner": 0.12,
        "foreninger_kultur_renovation": 0.04,
        "offentlig_adm_undervisning_sundhed": 0.22,
        "andre_brancher": 0.19,
    },
    "376": {
        "landbrug": 0.04,
        "industri": 0.11,
        "bygge_anlaeg": 0.07,
        "detailhandel": 0.10,
        "anden_handel": 0.05,
        "hoteller_restauranter": 0.05,
        "sociale_institutioner": 0.12,
        "foreninger_kultur_renovation": 0.04,
        "offentlig_adm_undervisning_sundhed": 0.24,
        "andre_brancher": 0.18,
    },
}
# Yearly growth around 2016; the decline is 50 % stronger in 2008 and 50 % weaker in 2024.
SECTOR_GROWTH = {
    "landbrug": -0.015,
    "industri": -0.012,
    "bygge_anlaeg": -0.003,
    "detailhandel": -0.010,
    "anden_handel": -0.008,
    "hoteller_restauranter": 0.004,
    "sociale_institutioner": 0.008,
    "foreninger_kultur_renovation": -0.002,
    "offentlig_adm_undervisning_sundhed": -0.004,
    "andre_brancher": 0.002,
}
MUNICIPALITY_GROWTH = {"360": -0.004, "376": 0.0}
SHOCKS = {
    2009: {
        "industri": -0.06,
        "bygge_anlaeg": -0.10,
        "detailhandel": -0.03,
        "anden_handel": -0.04,
        "hoteller_restauranter": -0.03,
        "andre_brancher": -0.03,
    },
    2010: {"industri": -0.03, "bygge_anlaeg": -0.04},
    2020: {"hoteller_restauranter": -0.07, "detailhandel": -0.01},
    2021: {"hoteller_restauranter": 0.06},
}
NOISE = 0.01

# DB07 divisions with short Danish names (the branch labels of the table) and their share.
BRANCHES: dict[str, tuple[tuple[str, float], ...]] = {
    "landbrug": (("01 Plante- og husdyravl", 0.93), ("02 Skovbrug og skovning", 0.07)),
    "industri": (
        ("10 Fremstilling af fødevarer", 0.45),
        ("16 Træindustri", 0.15),
        ("25 Fremstilling af metalprodukter", 0.20),
        ("28 Fremstilling af maskiner", 0.20),
    ),
    "bygge_anlaeg": (
        ("41 Opførelse af bygninger", 0.35),
        ("42 Anlægsarbejder", 0.15),
        ("43 Specialiseret bygge- og anlægsvirksomhed", 0.50),
    ),
    "detailhandel": (("47 Detailhandel", 1.0),),
    "anden_handel": (
        ("45 Handel med og reparation af motorkøretøjer", 0.40),
        ("46 Engroshandel", 0.60),
    ),
    "hoteller_restauranter": (("55 Overnatningsfaciliteter", 0.30), ("56 Restauranter", 0.70)),
    "sociale_institutioner": (
        ("87 Plejeinstitutioner", 0.45),
        ("88 Sociale foranstaltninger uden institutionsophold", 0.55),
    ),
    "foreninger_kultur_renovation": (
        ("38 Indsamling og behandling af affald", 0.30),
        ("93 Sport og fritid", 0.30),
        ("94 Organisationer og foreninger", 0.40),
    ),
    "offentlig_adm_undervisning_sundhed": (
        ("84 Offentlig administration", 0.30),
        ("85 Undervisning", 0.35),
        ("86 Sundhedsvæsen", 0.35),
    ),
    "andre_brancher": (
        ("35 Energiforsyning", 0.10),
        ("49 Landtransport", 0.30),
        ("52 Oplagring og hjælpevirksomhed til transport", 0.15),
        ("64 Pengeinstitutter", 0.10),
        ("69 Juridisk bistand og bogføring", 0.10),
        ("81 Ejendomsservice, rengøring og anlægsgartnere", 0.25),
    ),
}

AGE_BANDS = (
    "16-24 år",
    "25-34 år",
    "35-44 år",
    "45-54 år",
    "55-59 år",
    "60-64 år",
    "65 år og derover",
)
# Age structure in 2024; in 2008 the bands from 55 up weighed a quarter less (ageing).
AGE_PROFILES: dict[str, tuple[float, ...]] = {
    "default": (0.08, 0.15, 0.17, 0.24, 0.14, 0.13, 0.09),
    "landbrug": (0.10, 0.12, 0.13, 0.20, 0.14, 0.15, 0.16),
    "hoteller_restauranter": (0.30, 0.20, 0.14, 0.15, 0.08, 0.07, 0.06),
    "detailhandel": (0.28, 0.16, 0.14, 0.17, 0.10, 0.09, 0.06),
    "offentlig_adm_undervisning_sundhed": (0.04, 0.14, 0.18, 0.26, 0.15, 0.14, 0.09),
    "sociale_institutioner": (0.04, 0.14, 0.18, 0.26, 0.15, 0.14, 0.09),
}

# Yearly permanent exits per age band: retirement, and other exits (moving away, education,
# disability, death). Illustrative values in the range the Cedefop method expects.
EXIT_RATES = (
    ("16-24 år", "0", "0,040"),
    ("25-34 år", "0", "0,020"),
    ("35-44 år", "0", "0,007"),
    ("45-54 år", "0,002", "0,010"),
    ("55-59 år", "0,020", "0,020"),
    ("60-64 år", "0,120", "0,030"),
    ("65 år og derover", "0,250", "0,040"),
)

VACANCY_BASE = {2: 700, 3: 450, 4: 1300, 5: 120, 6: 60, 7: 70, 8: 800}
VACANCY_GROUP_LABELS = {
    2: "2 Industri, råstofindvinding og forsyningsvirksomhed",
    3: "3 Bygge og anlæg",
    4: "4 Handel og transport mv.",
    5: "5 Information og kommunikation",
    6: "6 Finansiering og forsikring",
    7: "7 Ejendomshandel og udlejning",
    8: "8 Erhvervsservice",
}
VACANCY_CYCLE = {
    2015: 0.80,
    2016: 0.85,
    2017: 0.90,
    2018: 1.00,
    2019: 1.00,
    2020: 0.80,
    2021: 1.15,
    2022: 1.25,
    2023: 1.05,
    2024: 0.95,
}
VACANCY_SEASON = {1: 0.95, 2: 1.10, 3: 1.00, 4: 0.95}

_HEADER_NOTE = (
    "# ILLUSTRATIVE DATA: opdigtede tal i samme form som det rigtige udtræk; ikke statistik.\n"
    "# Lavet af labour_market/illustrative.py; erstat med et rigtigt udtræk med\n"
    "# 'kantmatch forecast import FIL'.\n"
    f"# dato: {ILLUSTRATIVE_DATE}\n"
    "# licens: illustrativt datasæt lavet af Kantmatch-holdet; ingen tredjepartsdata\n"
    "# illustrativ: ja\n"
)


def noise(*key: object) -> float:
    """A reproducible pseudo-random number in [-1, 1) for a key (SHA-256, not numpy)."""
    digest = hashlib.sha256("|".join(map(str, key)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**63 - 1


def _growth(municipality: str, sector: str, year: int) -> float:
    fade = 1 + 0.5 * (2016 - year) / 8
    return (
        (SECTOR_GROWTH[sector] + MUNICIPALITY_GROWTH[municipality]) * fade
        + SHOCKS.get(year, {}).get(sector, 0.0)
        + NOISE * noise("growth", municipality, sector, year)
    )


def sector_levels(municipality: str, sector: str) -> dict[int, float]:
    """Illustrative total jobs of a sector per year, anchored on the 2024 magnitude."""
    levels = {YEARS[-1]: TARGET_JOBS[municipality] * SECTOR_SHARES[municipality][sector]}
    for year in range(YEARS[-1], YEARS[0], -1):
        levels[year - 1] = levels[year] / (1 + _growth(municipality, sector, year))
    return levels


def age_shares(sector: str, year: int) -> list[float]:
    """The sector's illustrative age structure in a year (older every year)."""
    final = AGE_PROFILES.get(sector, AGE_PROFILES["default"])
    weight = (year - YEARS[0]) / (YEARS[-1] - YEARS[0])
    shares = [
        share * ((0.75 + 0.25 * weight) if index >= 4 else 1.0) for index, share in enumerate(final)
    ]
    total = sum(shares)
    return [share / total for share in shares]


def employment_csv() -> str:
    """The illustrative employment table in the StatBank CSV shape."""
    lines = [
        "# Beskæftigede efter arbejdsstedskommune, branche (DB07), alder og år (ultimo november)",
        _HEADER_NOTE.rstrip("\n"),
        "# kilde: Kantmatch-holdet, illustrativt datasæt (ikke Danmarks Statistiks tal)",
        "# note: omtrent 17.000 job på arbejdssteder i Lolland og 22.000 i Guldborgsund "
        "(grove illustrative størrelser, ikke statistik)",
        "OMRÅDE;BRANCHE07;ALDER;TID;INDHOLD",
    ]
    for municipality, label in MUNICIPALITY_LABELS.items():
        for sector, branches in BRANCHES.items():
            levels = sector_levels(municipality, sector)
            for branch, branch_share in branches:
                for band_index, band in enumerate(AGE_BANDS):
                    for year in YEARS:
                        share = age_shares(sector, year)[band_index]
                        jitter = 1 + 0.02 * noise("cell", municipality, branch, band, year)
                        count = round(levels[year] * branch_share * share * jitter)
                        lines.append(f"{label};{branch};{band};{year};{count}")
    return "\n".join(lines) + "\n"


def exit_rates_csv() -> str:
    """The illustrative exit-rate table."""
    lines = [
        "# Årlige afgangsrater fra beskæftigelse efter alder: pensionering og anden afgang",
        "# (fraflytning, uddannelse, førtidspension, død).",
        _HEADER_NOTE.rstrip("\n"),
        "# kilde: Kantmatch-holdet, illustrative rater efter Cedefops metode "
        "(beskæftigelse efter alder × aldersbestemte afgangsrater), ikke målte rater",
        "ALDER;PENSIONERINGSRATE;ANDEN AFGANGSRATE",
    ]
    lines += [";".join(row) for row in EXIT_RATES]
    return "\n".join(lines) + "\n"


def vacancies_csv() -> str:
    """The illustrative vacancy table in the LSK shape (region × DB07 10-group × quarter)."""
    lines = [
        "# Ledige stillinger efter område, branche (DB07 10-grupperet) og kvartal",
        _HEADER_NOTE.rstrip("\n"),
        "# kilde: Kantmatch-holdet, illustrativt datasæt (ikke Danmarks Statistiks tal)",
        "OMRÅDE;BRANCHE07;TID;INDHOLD",
    ]
    for group, label in VACANCY_GROUP_LABELS.items():
        for year in QUARTER_YEARS:
            for quarter, season in VACANCY_SEASON.items():
                jitter = 1 + 0.05 * noise("vacancy", group, year, quarter)
                count = round(VACANCY_BASE[group] * VACANCY_CYCLE[year] * season * jitter)
                lines.append(f"Region Sjælland;{label};{year}K{quarter};{count}")
    return "\n".join(lines) + "\n"


PROJECTS_YAML = f"""\
# ILLUSTRATIVE DATA: large projects and the extra jobs they bring, per sector and year.
# extra_jobs is the number of extra jobs the project holds in the municipality that year
# (above the trend); openings are its increases plus annual_turnover × the previous year's jobs.
# Replace with a real estimate through 'kantmatch forecast import projects.yaml'.
illustrative: true
source:
  kilde: "Kantmatch-holdet, illustrativt skøn"
  dato: "{ILLUSTRATIVE_DATE}"
  licens: "illustrativt datasæt lavet af Kantmatch-holdet; ingen tredjepartsdata"
projects:
  - name: "Femern Bælt-tunnelen, lokale job på Lolland (illustrativt skøn)"
    municipality: "360"
    source: >-
      ILLUSTRATIVT skøn lavet af Kantmatch-holdet til at vise beregningen; ikke tal fra
      Femern A/S eller Sund & Bælt. Erstat med projektets egne beskæftigelsestal.
    annual_turnover: 0.15
    extra_jobs:
      bygge_anlaeg: {{2024: 300, 2025: 420, 2026: 500, 2027: 450, 2028: 300, 2029: 150}}
      hoteller_restauranter: {{2024: 40, 2025: 60, 2026: 70, 2027: 60, 2028: 40, 2029: 20}}
"""


def write_illustrative_data(directory: Path) -> list[Path]:
    """Write the four illustrative files into a directory and return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "employment_illustrative.csv": employment_csv(),
        "exit_rates_illustrative.csv": exit_rates_csv(),
        "vacancies_illustrative.csv": vacancies_csv(),
        "projects_illustrative.yaml": PROJECTS_YAML,
    }
    paths = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


if __name__ == "__main__":  # pragma: no cover - a maintenance command
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "data"
    for written in write_illustrative_data(target):
        print(written)
