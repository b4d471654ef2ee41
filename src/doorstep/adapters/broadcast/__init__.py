"""Notices to the live web pages: in-process fan-out, and across processes through PostgreSQL."""
