"""Every write to the directory: imports, listings, freshness and the search index."""

from .geography import postcodes_import
from .importing import ImportReport, hsds_import, hsds_import_objects
from .indexing import search_documents_rebuild
from .listings import (
    directory_freshness_sweep,
    listing_change_review,
    listing_edit,
    listing_verify,
)

__all__ = [
    "ImportReport",
    "directory_freshness_sweep",
    "hsds_import",
    "hsds_import_objects",
    "listing_change_review",
    "listing_edit",
    "listing_verify",
    "postcodes_import",
    "search_documents_rebuild",
]
