"""FHIR R4 / mCODE input adapter (see :func:`her2path.fhir.importer.import_fhir`)."""

from her2path.fhir.importer import import_fhir
from her2path.fhir.model import FhirImport, IgnoredItem, ImportedFacts

__all__ = ["FhirImport", "IgnoredItem", "ImportedFacts", "import_fhir"]
