"""Use cases: the only API the shells call; IO only through the Protocols in ``ports``."""
