"""The append-only, hash-chained audit log of every read of a person's record and every write."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    READ = "read", "Read"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    TRANSITION = "transition", "Status change"
    EXPORT = "export", "Export"
    LOGIN = "login", "Sign in"
    LOGOUT = "logout", "Sign out"
    LOGIN_FAILED = "login_failed", "Failed sign-in"
    MERGE = "merge", "Merge"


class AppendOnlyError(Exception):
    pass


# How many hash chains the log is split into. Each row belongs to one chain and links to the row
# before it in that chain; appends in concurrent transactions take different chains, so they do
# not queue behind one lock (see audit.services). Migration 0005 made the heads; the chains in use
# are the AuditChainHead rows, so verification never depends on this number.
AUDIT_CHAINS = 8


class AuditEvent(models.Model):
    """One audit row. ``row_hash`` = SHA-256 over ``prev_hash`` and this row's canonical content,
    ``prev_hash`` the ``row_hash`` of the row before it in its chain, so changing or removing any
    row breaks its chain from there on (``linkwell verify_audit``)."""

    # Sequential on purpose: the order of rows within each chain, and of the log as a whole. Never
    # shown as a person's id.
    id = models.BigAutoField(primary_key=True)
    # Which chain the row is linked into (an AuditChainHead id). Rows written before the log had
    # several chains are all in chain 1.
    chain = models.PositiveSmallIntegerField(default=1)
    at = models.DateTimeField(db_index=True)
    # Indexed by audit_actor_idx, which leads with it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    # The person whose record this is about, if any: "who looked at Jane's record?"
    person_uuid = models.UUIDField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    # Not indexed: the log is read in chain order (audit_chain_idx), never looked up by hash, and
    # the chain itself is what makes a changed or copied row evident (a unique index proved
    # nothing more and was one more B-tree, at a random place, written with every row).
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # Audit search by person ("every access to this record") and by object.
            models.Index(fields=["person_uuid", "id"], name="audit_person_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "id"], name="audit_actor_idx"),
            # Audit search by request id: "everything done in the request this error came from".
            models.Index(fields=["request_id"], name="audit_request_idx"),
            # verify_audit --since-id: the row before a given id in each chain.
            models.Index(fields=["chain", "id"], name="audit_chain_idx"),
        ]

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Audit rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("Audit rows cannot be deleted.")


class AuditChainHead(models.Model):
    """One row per chain (``id`` is the chain's number) holding its newest row and hash. An append
    locks the head of the chain it extends until its transaction commits, so no chain ever forks
    when several app servers write at once."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
