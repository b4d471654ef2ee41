"""The only code that imports SQLAlchemy, argon2, HTTP clients and other outside libraries."""
