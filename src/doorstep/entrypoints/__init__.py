"""Thin shells: the HTTP API, the CLI and (later) the web pages."""
