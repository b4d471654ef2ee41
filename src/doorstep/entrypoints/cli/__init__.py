"""The ``doorstep`` command line (Typer): parse, call one service, render with Rich."""
