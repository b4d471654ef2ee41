"""Recognising the columns of real-world order sheets, and the user's mapping."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import InvalidValue
from doorstep.services.intake.columns import Field, field_names, recognise
from doorstep.services.intake.values import Formats, Unit

F = Field

# Headers as they come from route planners' templates and home-made sheets.
OPTIMOROUTE = [
    "Order No", "Date", "Type", "Location Name", "Address", "Latitude", "Longitude",
    "Duration", "TW start", "TW end", "TW2 start", "TW2 end", "Priority", "Notes", "Email",
    "Phone", "Load 1",
]  # fmt: skip
ONFLEET = [
    "Recipient_Name", "Recipient_Phone", "Recipient_Notes", "Address_Line1", "Address_Line2",
    "City/Town", "State/Province", "Postal_Code", "Country", "Latitude", "Longitude",
    "Task_Details", "Pickup", "Complete_After", "Complete_Before", "Quantity", "Service_Time",
    "Merchant", "Barcodes", "Order ID",
]  # fmt: skip
FINNISH = [
    "Tilausnumero", "Lähettäjä", "Vastaanottaja", "Yritys", "Katu", "Talonumero", "Porras",
    "Postinumero", "Postitoimipaikka", "Puhelin", "Sähköposti", "Päivämäärä", "Alkaen",
    "Viimeistään", "Palveluaika (min)", "Paino kg", "Tilavuus (m³)", "Kollit", "Viivakoodi",
    "Lisätiedot", "Kiireellisyys", "Ikäraja", "Varasto",
]  # fmt: skip
SWEDISH = [
    "Ordernummer", "Mottagare", "Adress", "Postnummer", "Ort", "Land", "Telefon", "E-post",
    "Leveransdatum", "Tidsfönster", "Servicetid [s]", "Vikt (g)", "Antal kolli", "Streckkod",
    "Meddelande", "Prioritet",
]  # fmt: skip


def fields_of(header: list[str]) -> list[Field | None]:
    return [column.field for column in recognise(header).columns]


def test_optimoroute_template() -> None:
    assert fields_of(OPTIMOROUTE) == [
        F.REFERENCE, F.DATE, F.KIND, F.NAME, F.ADDRESS, F.LAT, F.LON, F.SERVICE_TIME,
        F.WINDOW_START, F.WINDOW_END, F.WINDOW2_START, F.WINDOW2_END, F.PRIORITY, F.NOTES,
        F.EMAIL, F.PHONE, None,
    ]  # fmt: skip


def test_onfleet_template_with_its_yes_no_pickup_column() -> None:
    columns = recognise(ONFLEET)

    assert [c.field for c in columns.columns] == [
        F.NAME, F.PHONE, None, F.ADDRESS, F.UNIT, F.CITY, None, F.POSTCODE, F.COUNTRY, F.LAT,
        F.LON, F.NOTES, F.KIND, F.WINDOW_START, F.WINDOW_END, F.PARCELS, F.SERVICE_TIME,
        F.SHIPPER, F.BARCODE, F.REFERENCE,
    ]  # fmt: skip
    assert [c.header for c in columns.ignored] == ["Recipient_Notes", "State/Province"]
    assert columns.formats.pickup_flag


def test_finnish_sheet_with_units_in_the_headers() -> None:
    columns = recognise(FINNISH)

    assert fields_of(FINNISH) == [
        F.REFERENCE, F.SHIPPER, F.NAME, F.COMPANY, F.STREET, F.HOUSE_NUMBER, F.UNIT,
        F.POSTCODE, F.CITY, F.PHONE, F.EMAIL, F.DATE, F.WINDOW_START, F.WINDOW_END,
        F.SERVICE_TIME, F.WEIGHT, F.VOLUME, F.PARCELS, F.BARCODE, F.NOTES, F.PRIORITY,
        F.PROOF, F.STATION,
    ]  # fmt: skip
    assert columns.formats == Formats(weight=Unit.KG, volume=Unit.M3, duration=Unit.MIN)
    assert columns.ignored == ()


def test_swedish_sheet() -> None:
    columns = recognise(SWEDISH)

    assert fields_of(SWEDISH) == [
        F.REFERENCE, F.NAME, F.ADDRESS, F.POSTCODE, F.CITY, F.COUNTRY, F.PHONE, F.EMAIL,
        F.DATE, F.WINDOWS, F.SERVICE_TIME, F.WEIGHT, F.PARCELS, F.BARCODE, F.NOTES, F.PRIORITY,
    ]  # fmt: skip
    assert columns.formats.weight is Unit.G
    assert columns.formats.duration is Unit.S
    assert columns.header_of(F.WEIGHT) == "Vikt (g)"


@pytest.mark.parametrize(
    "header",
    ["Order ID", "ORDER-ID", "order_id", "OrderId", "  Order   id ", "Order #", "Order No."],
)
def test_names_compare_without_case_spacing_or_punctuation(header: str) -> None:
    assert recognise([header, "Address"]).columns[0].field is F.REFERENCE


@pytest.mark.parametrize(
    ("header", "field", "unit"),
    [
        ("Weight (kg)", F.WEIGHT, Unit.KG),
        ("Weight [lbs]", F.WEIGHT, Unit.LB),
        ("Weight, g", F.WEIGHT, Unit.G),
        ("weightKg", F.WEIGHT, Unit.KG),
        ("Paino (in kg)", F.WEIGHT, Unit.KG),
        ("Volume (l)", F.VOLUME, Unit.L),
        ("Volym m3", F.VOLUME, Unit.M3),
        ("Service time [min]", F.SERVICE_TIME, Unit.MIN),
        ("Duration (seconds)", F.SERVICE_TIME, Unit.S),
        ("Palveluaika sekuntia", F.SERVICE_TIME, Unit.S),
        ("Stop duration (h:mm)", F.SERVICE_TIME, None),  # a format hint, not a unit
        ("Notes (kg)", F.NOTES, None),  # units only matter for amounts
    ],
)
def test_units_in_headers(header: str, field: Field, unit: Unit | None) -> None:
    column = recognise(["Ref", "Address", header]).columns[2]

    assert (column.field, column.unit) == (field, unit)


def test_a_unit_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(InvalidValue, match=r"'Weight \(min\)'.*not a unit of mass.*Weight \(kg\)"):
        recognise(["Ref", "Address", "Weight (min)"])


def test_month_first_dates_are_declared_in_the_header() -> None:
    assert recognise(["Ref", "Address", "Date (MM/DD/YYYY)"]).formats.month_first
    assert not recognise(["Ref", "Address", "Date (DD/MM/YYYY)"]).formats.month_first
    assert not recognise(["Ref", "Address", "Päivämäärä (pp.kk.vvvv)"]).formats.month_first


def test_numbered_second_window_columns() -> None:
    header = ["Ref", "Address", "Time window 1 start", "Time window 1 end", "From 2", "To 2"]

    assert fields_of(header)[2:] == [F.WINDOW_START, F.WINDOW_END, F.WINDOW2_START, F.WINDOW2_END]


def test_every_field_has_a_name_people_use() -> None:
    header = [
        "reference", "shipper", "type", "depot", "name", "company", "phone", "email", "address",
        "street", "house number", "apartment", "zip", "city", "country", "lat", "lng", "date",
        "earliest", "latest", "time window", "tw2 start", "tw2 end", "service time", "weight",
        "volume", "packages", "barcode", "notes", "priority", "proof of delivery", "requirements",
    ]  # fmt: skip

    assert fields_of(header) == list(Field)


def test_unrecognised_columns_are_kept_as_ignored() -> None:
    columns = recognise(["Ref", "Address", "Colour", ""])

    assert [(c.index, c.header) for c in columns.ignored] == [(2, "Colour"), (3, "")]


def test_cells_by_field_for_short_rows() -> None:
    columns = recognise(["Ref", "Colour", "Address", "Notes"])

    assert columns.cells(["A", "red", "Kuja 1", "ring"]) == {
        F.REFERENCE: "A",
        F.ADDRESS: "Kuja 1",
        F.NOTES: "ring",
    }
    assert columns.cells(["A", "red"]) == {F.REFERENCE: "A"}


# --- the user's mapping ----------------------------------------------------------------------


def test_mapping_adds_and_overrides() -> None:
    header = ["Asiakasnro", "Order ID", "Kohde", "Grammat"]

    columns = recognise(
        header,
        {
            "Asiakasnro": "reference",
            "order id": "ignore",
            "Kohde": "Address",
            "Grammat": "weight (g)",
        },
    )

    assert [c.field for c in columns.columns] == [F.REFERENCE, None, F.ADDRESS, F.WEIGHT]
    assert columns.formats.weight is Unit.G


def test_mapping_to_ignore_settles_two_columns_read_as_one_field() -> None:
    header = ["Ref", "Address", "Notes", "Instructions"]
    with pytest.raises(InvalidValue, match="'Notes' and 'Instructions' are both read as notes"):
        recognise(header)

    columns = recognise(header, {"Instructions": "ignore"})

    assert columns.header_of(F.NOTES) == "Notes"


def test_duplicates_name_every_column_and_suggest_a_mapping() -> None:
    with pytest.raises(InvalidValue) as caught:
        recognise(["Ref", "Order ID", "Address", "Osoite", "Adress"])

    message = caught.value.message
    assert "'Ref' and 'Order ID' are both read as reference" in message
    assert "'Address' and 'Osoite' and 'Adress' are all read as address" in message
    assert "--mapping" in message
    assert caught.value.field == "columns"


def test_mapping_an_unknown_field_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidValue) as caught:
        recognise(["Ref", "Address", "Colour"], {"Colour": "paint"})

    assert caught.value.field == "mapping"
    assert "'paint' (for column 'Colour') is not a field" in caught.value.message
    assert ", ".join(field_names()) in caught.value.message
    assert "house_number" in field_names()
    assert "ignore" in field_names()


def test_mapping_a_column_not_in_the_file_lists_the_columns() -> None:
    with pytest.raises(InvalidValue, match=r"column 'Zip' is not in the file.*'Ref', 'Address'"):
        recognise(["Ref", "Address"], {"Zip": "postcode"})


# --- what a file must have -------------------------------------------------------------------


def test_a_file_without_reference_and_address_says_what_is_missing() -> None:
    with pytest.raises(InvalidValue) as caught:
        recognise(["Customer", "Colour"])

    message = caught.value.message
    assert "the order reference (e.g. 'Order ID'" in message
    assert "the address (e.g. 'Address'" in message
    assert "'Customer', 'Colour'" in message
    assert "--mapping" in message


@pytest.mark.parametrize(
    "header",
    [
        ["Ref", "Address"],
        ["Ref", "Street"],
        ["Ref", "Lat", "Lon"],
    ],
)
def test_an_address_is_text_a_street_or_coordinates(header: list[str]) -> None:
    recognise(header)


def test_a_latitude_column_needs_a_longitude_column() -> None:
    with pytest.raises(InvalidValue, match="there is a lat column but no lon column"):
        recognise(["Ref", "Address", "Latitude"])
