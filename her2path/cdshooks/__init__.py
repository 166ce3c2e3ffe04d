"""CDS Hooks 2.0 service: discovery, patient-view, order-select, order-sign and feedback."""

from her2path.cdshooks.router import CdsSettings, create_cds_app, create_cds_router

__all__ = ["CdsSettings", "create_cds_app", "create_cds_router"]
