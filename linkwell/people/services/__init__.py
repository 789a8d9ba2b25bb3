"""Writes to people, consent and possible duplicates. Each one is atomic and audited.

Split by subject (records, duplicates, merge); import from here.
"""

from .duplicates import duplicate_keep_apart, person_flag_duplicates
from .merge import merge_candidates_default_keep, person_merge
from .records import (
    IDENTITY_FIELDS,
    PERSON_FIELDS,
    ConsentInBatch,
    NewPerson,
    PersonInBatch,
    consent_batch_add,
    consent_batch_audit_row,
    consent_record,
    person_batch_add,
    person_batch_written,
    person_create,
    person_insert,
    person_new,
    person_update,
)

__all__ = [
    "IDENTITY_FIELDS",
    "PERSON_FIELDS",
    "NewPerson",
    "ConsentInBatch",
    "PersonInBatch",
    "consent_batch_add",
    "consent_batch_audit_row",
    "consent_record",
    "duplicate_keep_apart",
    "merge_candidates_default_keep",
    "person_create",
    "person_flag_duplicates",
    "person_insert",
    "person_batch_add",
    "person_batch_written",
    "person_merge",
    "person_new",
    "person_update",
]
