"""The vocabulary of a delivery day: standard library only."""
