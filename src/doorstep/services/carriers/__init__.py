"""Carriers: the own fleet and partners, and their rate cards read from spreadsheet rows.

``samples/helsinki_carriers.csv`` holds the carriers themselves (``carrier_file``'s format):
the station's own vans ``omat_autot`` (own fleet; every service level; postcodes 00; up to
60 kg and 200 cm a parcel; refrigerated, lift gate and age checks; promise booked by 12:00,
delivered by 21:00) and the two partners of the rate cards below: ``kaupunkikuriiri`` (same
day inside a polygon around Helsinki, 40 parcels a day, 20 kg and 100 cm, age checks, booked
by 14:00 delivered by 21:00) and ``pakettiexpress`` (next day to postcodes 00, 200 parcels a
day, 50 kg and 150 cm, age checks and lift gate, booked by 18:00 delivered by 17:00 the next
working day). Neither partner handles refrigerated orders.

``samples/helsinki_partners.csv`` holds the rate cards of two partner carriers of a Helsinki
station, in the long format of ``rate_card_file`` (semicolons and decimal commas, as a
Finnish Excel saves CSV), for the CLI's tests and the demo. The prices are invented, of a
plausible size, and not any real carrier's:

- ``kaupunkikuriiri``, same day, zones by distance from the station: near 0-5 km, city
  5-10 km, outer 10-20 km; breaks 2/5/10/20 kg and nothing above 20 kg; volumetric divisor
  4000; bulky (a side over 80 cm) 8.00 EUR per parcel; 2.00 EUR per extra parcel; fuel 8%;
  minimum 9.90 EUR.
- ``pakettiexpress``, next day, zones by postcode over Helsinki's 00100-00990: zone 1 ``001``,
  zone 2 ``002 003 004``, zone 3 ``005 006 007``, zone 4 ``008 009``; breaks 2/5/10/20/35 kg,
  then 0.45-0.55 EUR per started kg; remote area 6.50 EUR for Suomenlinna 00190, Santahamina
  00860 and Östersundom 00890; bulky (a side over 120 cm or over 30 kg) 12.00 EUR per parcel;
  1.50 EUR per extra parcel; fuel 12.5%; minimum 7.90 EUR.
"""

from __future__ import annotations

from pathlib import Path

SAMPLE_RATE_CARDS = Path(__file__).parent / "samples" / "helsinki_partners.csv"
SAMPLE_CARRIERS = Path(__file__).parent / "samples" / "helsinki_carriers.csv"
