"""The knowledge base: clinical facts as validated data with provenance."""

from her2path.kb.loader import load, load_default
from her2path.kb.model import KnowledgeBase

__all__ = ["KnowledgeBase", "load", "load_default"]
