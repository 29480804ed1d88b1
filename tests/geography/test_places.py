"""The national geography tables: 98 municipalities, every postal code, DAWA-imported centres."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError
from sqlmodel import Session

from labour_market.codes import MUNICIPALITY_NAMES, MUNICIPALITY_REGION
from service import places
from service.postal_import import import_postal_codes
from tests.geography.helpers import dawa_csv


class TestMunicipalities:
    def test_all_98_with_names_and_regions(self) -> None:
        table = places.municipalities()

        assert len(table) == 98
        assert table["360"].name == "Lolland"
        assert table["751"].name == "Aarhus"
        assert table["101"].name == "København"
        assert {m.region_code for m in table.values()} == {"081", "082", "083", "084", "085"}
        # per region as the 2007 reform drew them: 11, 19, 22, 29 and 17 municipalities
        counts = {
            r: sum(m.region_code == r for m in table.values())
            for r in sorted({m.region_code for m in table.values()})
        }
        assert counts == {"081": 11, "082": 19, "083": 22, "084": 29, "085": 17}

    def test_labour_market_codes_know_them_all(self) -> None:
        assert len(MUNICIPALITY_NAMES) == 98
        assert MUNICIPALITY_REGION["751"] == "082"
        assert MUNICIPALITY_REGION["376"] == "085"


class TestShippedPostalCodes:
    def test_every_geographic_postal_code_with_known_municipalities(self) -> None:
        table = places.postal_codes()

        assert len(table) == 1111
        known = set(places.municipalities())
        assert all(set(p.municipality_codes) <= known for p in table.values())
        assert {m for p in table.values() for m in p.municipality_codes} == known

    def test_a_code_in_one_municipality_decides_it(self) -> None:
        aarhus = places.lookup_postal_code("8000")

        assert aarhus is not None
        assert (aarhus.city, aarhus.municipality_code) == ("Aarhus C", "751")
        assert (aarhus.lat, aarhus.lon, aarhus.coordinate_source) == (None, None, None)

    def test_a_code_in_several_municipalities_decides_none(self) -> None:
        ringsted = places.lookup_postal_code("4100")

        assert ringsted is not None
        assert ringsted.municipality_code is None
        assert ringsted.municipality_codes == ("259", "316", "320", "329", "340", "370")
        da, en = places.unresolved_municipality_message("4100", ringsted)
        assert "4100 Ringsted dækker flere kommuner (259 Køge, 316 Holbæk" in da
        assert "covers several municipalities" in en

    def test_lolland_and_guldborgsund_keep_their_coordinates(self) -> None:
        nakskov = places.lookup_postal_code("4900")
        maribo = places.lookup_postal_code("4930")

        assert nakskov is not None
        assert maribo is not None
        assert (nakskov.lat, nakskov.lon, nakskov.coordinate_source) == (
            54.831,
            11.135,
            "reference",
        )
        # Maribo reaches Guldborgsund too; the programme's own assignment stays the main one
        assert maribo.municipality_codes == ("360", "376")
        assert maribo.municipality_code == "360"


class TestImportedLayer:
    def test_imported_centres_lie_over_the_shipped_table(self, session: Session) -> None:
        assert places.lookup_postal_code("8000", session) == places.lookup_postal_code("8000")

        import_postal_codes(session, content=dawa_csv(), filename="postnumre.csv")

        aarhus = places.lookup_postal_code("8000", session)
        assert aarhus is not None
        assert (aarhus.lat, aarhus.lon, aarhus.coordinate_source) == (56.1567, 10.2039, "dawa")
        assert aarhus.municipality_code == "751"  # from the shipped table: DAWA's CSV has none
        # without a session only the shipped table answers
        shipped = places.lookup_postal_code("8000")
        assert shipped is not None
        assert shipped.lat is None
        # a code not in the file keeps its shipped row
        assert places.lookup_postal_code("4900", session) == places.lookup_postal_code("4900")

    @pytest.mark.parametrize(
        ("code", "message"),
        [
            ("100", "must be three digits from 101 to 860"),
            ("abc", "must be three digits from 101 to 860"),
            ("102", "Municipality code 102 does not exist (Denmark's 98"),
        ],
    )
    def test_a_code_that_is_no_municipality_is_refused(self, code: str, message: str) -> None:
        with pytest.raises(ValidationError) as caught:
            TypeAdapter(places.MunicipalityCode).validate_python(code)

        assert message in str(caught.value)
        assert places.municipality_name("102") is None
