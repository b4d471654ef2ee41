"""Request and response bodies; they check input at the edge and convert to domain values."""
