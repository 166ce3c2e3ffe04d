"""her2path: decision support for HER2-targeted cancer therapy.

The knowledge base (``knowledge/``) holds the clinical facts with their sources;
the pure engine (``her2path.engine``) applies them to a validated domain model
(``her2path.domain``); adapters read input and render output.
"""

__version__ = "0.1.0"
