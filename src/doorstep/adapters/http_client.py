"""Holding an HTTP client for the adapters that call other services (engines, geocoders)."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import httpx2


class EngineClient:
    """The HTTP client a routing engine or geocoder adapter talks through: made here unless
    one is given, and then closed here too (``with Adapter(...) as it:`` or ``close()``)."""

    def __init__(
        self, *, timeout_s: float, client: httpx2.Client | None, follow_redirects: bool = False
    ) -> None:
        self._timeout_s = timeout_s
        self._owns_client = client is None
        self._client = (
            client
            if client is not None
            else httpx2.Client(timeout=timeout_s, follow_redirects=follow_redirects)
        )

    def close(self) -> None:
        """Close the HTTP client if this object made it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
