"""Refuses request bodies above a size limit before they are read into memory."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doorstep.entrypoints.api.problems import BodyTooLarge, too_large


class BodyLimit:
    """Pure ASGI middleware: checks Content-Length, and counts the bytes of chunked bodies."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # path -> its own limit; a key ending in "/" covers every path under it
        self.larger = dict(larger or {})
        self.prefixes = sorted((k for k in self.larger if k.endswith("/")), key=len, reverse=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send, limit)

    def _limit(self, path: str) -> int:
        if path in self.larger:
            return self.larger[path]
        under = next((p for p in self.prefixes if path.startswith(p)), None)
        return self.max_bytes if under is None else self.larger[under]

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        await too_large(scope.get("path", ""), limit)(scope, receive, send)
