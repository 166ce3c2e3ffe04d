"""The REST API and web server: :func:`create_app` builds the whole application."""

from her2path.api.app import create_app

__all__ = ["create_app"]
