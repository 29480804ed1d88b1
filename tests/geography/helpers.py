"""A small DAWA postnumre CSV for the geography tests.

The columns are DAWA's flat CSV columns; the coordinates are the tests' own rounded values
for the town centres (illustrative test data, not DAWA's figures).
"""

from __future__ import annotations

HEADER = (
    "nr,navn,stormodtager,bbox_xmin,bbox_ymin,bbox_xmax,bbox_ymax,"
    "visueltcenter_x,visueltcenter_y,ændret,geo_ændret,geo_version,dagi_id"
)
ROWS = (
    "8000,Aarhus C,false,10.17,56.13,10.25,56.18,10.2039,56.1567,2018-04-30T08:40:47.830Z,"
    "2018-04-30T08:40:47.830Z,2,1243",
    "8210,Aarhus V,false,10.12,56.15,10.20,56.19,10.1630,56.1700,2018-04-30T08:40:47.830Z,"
    "2018-04-30T08:40:47.830Z,2,1251",
    '0800,"Høje Taastrup",true,,,,,,,2018-04-30T08:40:47.830Z,2018-04-30T08:40:47.830Z,1,',
    "4100,Ringsted,false,11.70,55.35,11.95,55.55,11.7900,55.4400,2018-04-30T08:40:47.830Z,"
    "2018-04-30T08:40:47.830Z,2,1110",
)


def dawa_csv(*rows: str) -> bytes:
    """The header and the rows (the default rows when none are given) as UTF-8 bytes."""
    return ("\n".join((HEADER, *(rows or ROWS))) + "\n").encode("utf-8")
