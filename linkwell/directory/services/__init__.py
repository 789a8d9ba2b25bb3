"""Every write to the directory: imports, listings, freshness and the search index."""

from .geography import postcodes_import
from .importing import ImportReport, hsds_import
from .indexing import search_documents_rebuild

__all__ = ["ImportReport", "hsds_import", "postcodes_import", "search_documents_rebuild"]
