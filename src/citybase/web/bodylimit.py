"""Refusing request bodies larger than the upload limit before they are read: a declared Content-Length over
the limit is answered at once, and a body sent without one is cut off as soon as it passes the limit."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Multipart framing and form fields around the file.
MARGIN = 1024 * 1024


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes + MARGIN
        self.limit_mb = max_bytes // (1024 * 1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        seen = 0
        exceeded = False

        async def counting() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        replaced = False

        async def answering(message: Message) -> None:
            # FastAPI turns any failure while reading a form into its own 400; answer 413 instead.
            nonlocal replaced
            if exceeded:
                if not replaced:
                    replaced = True
                    await self._refuse(scope, send)
                return
            await send(message)

        try:
            await self.app(scope, counting, answering)
        except BodyTooLarge:
            if not replaced:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        english = f"The upload is larger than the limit of {self.limit_mb} MB"
        chinese = f"上传的文件超过了 {self.limit_mb} MB 的上限"
        if str(scope.get("path", "")).startswith("/api/"):
            body = json.dumps(
                {"detail": english, "detail_zh": chinese, "code": "too_large", "problems": []},
                ensure_ascii=False,
            ).encode()
            content_type = b"application/json"
        else:
            page = f"<!doctype html><meta charset=utf-8><title>413</title><p>{chinese}</p><p>{english}</p>"
            body = page.encode()
            content_type = b"text/html; charset=utf-8"
        headers: list[Any] = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
