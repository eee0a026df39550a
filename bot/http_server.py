"""One small aiohttp server on a host and port: the messengers' webhooks, VK's Callback API and the
health check all start and stop the same way."""

from __future__ import annotations

from aiohttp import web


class HttpServer:
    def __init__(self, app: web.Application, host: str, port: int, shutdown_timeout: float = 30.0) -> None:
        # no access log: request lines may carry a messenger's update ids next to people's addresses
        self.runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=shutdown_timeout, access_log=None)
        self.host = host
        self.port = port

    async def start(self) -> int:
        """Listen; the port actually bound (``port`` 0 picks a free one)."""
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.host, self.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        return int(sockets[0].getsockname()[1]) if sockets else self.port

    async def stop(self) -> None:
        """Stop accepting, let requests in flight finish, then close."""
        await self.runner.cleanup()
