"""doorstep: open-source last-mile delivery operations."""

__version__ = "0.1.0"
