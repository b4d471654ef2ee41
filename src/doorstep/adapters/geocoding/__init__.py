"""Geocoders: the region's own address index, and remote Nominatim or Pelias services."""
