"""create_app(): routers, middleware, error handlers, the static SPA."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import text

from osteon import __version__
from osteon.config import Settings, get_settings
from osteon.db import Database
from osteon.events import make_broker
from osteon.jobs import Worker
from osteon.kit import problems
from osteon.kit.bodylimit import BodyLimit
from osteon.kit.domains import domain_modules
from osteon.kit.headers import SecurityHeaders
from osteon.security.crypto import load_cipher

log = logging.getLogger("osteon")

STATIC_DIR = Path(__file__).parent / "static"


def _operation_id(route: APIRoute) -> str:
    """Stable operation ids for the generated front-end client: ``<tag>-<function name>``."""
    tag = route.tags[-1] if route.tags else "default"
    return f"{tag}-{route.name}"


def create_app(settings: Settings | None = None, *, database: Database | None = None,
               start_worker: bool = True) -> FastAPI:
    """Build the Osteon ASGI app."""
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if start_worker:
            app.state.worker.start()
        for start in app.state.component_starts:
            await start(app)
        try:
            yield
        finally:
            for stop in reversed(app.state.component_stops):
                with contextlib.suppress(Exception):
                    await stop(app)
            if start_worker:
                await app.state.worker.stop()
            await app.state.broker.close()
            if database is None:
                await app.state.db.dispose()

    app = FastAPI(
        title="Osteon API",
        version=__version__,
        description="Osteon 骨科智慧管理平台 — orthopedic department platform. Errors are RFC 9457 problem+json.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
        responses=problems.PROBLEM_RESPONSES,
    )
    app.state.settings = settings
    app.state.db = database or Database(settings.resolved_database_url())
    app.state.cipher = load_cipher(settings)
    app.state.broker = make_broker(settings.redis_url)
    app.state.worker = Worker(app.state.db, app=app)
    app.state.component_starts = []
    app.state.component_stops = []
    app.state.body_limits = []  # kit.bodylimit rules; domains add theirs in setup(app)
    problems.install(app)

    # A domain joins the app by having a router.py (with ``router`` and optionally ``setup(app)``). FastAPI tries
    # routes in order, a few microseconds each, so a domain's ``first_router`` — routes a client calls many times a
    # second, like the viewer's DICOMweb frames — is tried before every other router (it must not overlap them).
    modules = [importlib.import_module(module) for module in domain_modules("router")]
    for mod in modules:
        if hasattr(mod, "first_router"):
            app.include_router(mod.first_router)
    for mod in modules:
        app.include_router(mod.router)
        if hasattr(mod, "setup"):
            mod.setup(app)

    # Innermost, so a limit hit while the body streams reaches the problem handlers (a 413, not a 500).
    app.add_middleware(BodyLimit, default=settings.max_body_bytes, rules=app.state.body_limits)

    app.add_middleware(SecurityHeaders)  # SECURITY 18

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with app.state.db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 — readiness reports, never raises
            checks["database"] = f"error: {type(exc).__name__}"
        ping = getattr(app.state.broker, "ping", None)
        if ping:
            try:
                await ping()
                checks["redis"] = "ok"
            except Exception as exc:  # noqa: BLE001 — readiness reports, never raises
                checks["redis"] = f"error: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status_code=200 if ok else 503)

    @app.get("/api/v1/meta", tags=["meta"], operation_id="meta-get_meta")
    async def get_meta() -> dict[str, Any]:
        """Public facts the login page needs: demo mode, version, time zone."""
        return {"demo_mode": settings.demo, "version": __version__, "timezone": settings.timezone}

    _mount_spa(app)
    return app


def _mount_spa(app: FastAPI) -> None:
    """Serve the built front end at / with SPA fallback (the patient H5 lives under /m/)."""
    index = STATIC_DIR / "index.html"

    @app.get("/{path:path}", include_in_schema=False)
    async def spa(path: str, request: Request) -> Any:
        if path.startswith(("api/", "dicomweb", "ws")):
            zh_en = ("不支持该操作", "Method not allowed")
            allowed = problems.allowed_methods(app, request.url.path)
            if allowed:  # the path exists, just not for GET
                return problems.problem(request, 405, "http_405", zh_en[problems.language(request) == "en"],
                                        headers={"Allow": ", ".join(allowed)})
            zh, en = "未找到", "Not found"
            return problems.problem(request, 404, "http_404", zh if problems.language(request) == "zh" else en)
        candidate = (STATIC_DIR / path).resolve()
        if path and candidate.is_file() and STATIC_DIR.resolve() in candidate.parents:
            headers = {"Cache-Control": "public, max-age=31536000, immutable"} if path.startswith("assets/") else {}
            return FileResponse(candidate, headers=headers)
        if path.startswith("assets/"):  # a missing bundle is a 404, not the SPA page
            return problems.problem(request, 404, "http_404", "Not found")
        if index.exists():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return JSONResponse({"detail": "front end not built: run `make run` (or `make frontend`)"}, status_code=503)
