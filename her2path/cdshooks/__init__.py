"""CDS Hooks 2.0 service: discovery, patient-view, order-select, order-sign and feedback.

The main app includes the service with ``app.include_router(create_cds_router(settings))``.
``her2path.cdshooks.service`` (module attribute) is the router built from the
``HER2PATH_CDS_*`` environment variables, or ``None`` when they are not set, so an app
that mounts optional routers by name picks it up only when it is configured.
"""

from __future__ import annotations

import os
from typing import Any

from her2path.cdshooks.service import CdsSettings, create_cds_app, create_cds_router

__all__ = ["CdsSettings", "create_cds_app", "create_cds_router"]


def __getattr__(name: str) -> Any:
    if name == "router":
        if os.environ.get("HER2PATH_CDS_EXTERNAL_URL") and os.environ.get(
            "HER2PATH_CDS_TRUST_FILE"
        ):
            return create_cds_router(CdsSettings.from_env())
        return None
    raise AttributeError(name)
