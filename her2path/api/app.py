"""The application factory: API, web pages, patient report and static files in one app."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from her2path.api import errors, routes
from her2path.api.security import SecurityMiddleware
from her2path.api.state import AppState, kb_checker
from her2path.kb import KnowledgeBase, load_default
from her2path.settings import Settings
from her2path.store.db import open_database
from her2path.store.repo import PatientStore

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"

DESCRIPTION = """Decision support for HER2-targeted therapy: HER2 interpretation, patient
assessment, stored patients and their course. Every answer carries its rule path, its
sources and the knowledge-base version. Send `Authorization: Bearer <token>`.
Invalid input gives 422 with every problem by field path."""


def _mount_optional_routers(app: FastAPI) -> None:
    """Routers from other parts of her2path (e.g. CDS Hooks), included when present."""
    for module_name in ("her2path.cdshooks",):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        router = getattr(module, "router", None)
        if router is not None:
            app.include_router(router)


def create_app(settings: Settings | None = None, kb: KnowledgeBase | None = None) -> FastAPI:
    """Build the application. Opens (and migrates) the database named by the settings."""
    settings = settings or Settings.from_env()
    kb = kb or load_default()
    db = open_database(settings.database_url)
    app = FastAPI(
        title="her2path",
        version=kb.version,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    store = PatientStore(db, kb_checker(kb))
    app.state.her2path = AppState(settings=settings, kb=kb, db=db, store=store)
    errors.install(app)
    app.include_router(routes.router)
    _mount_optional_routers(app)

    from her2path.web import views

    app.include_router(views.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityMiddleware, settings=settings)
    if settings.demo_mode:
        logging.getLogger("her2path").warning(
            "DEMO MODE: no API token is required; do not use with real patients"
        )
    return app
