"""Signals other apps listen to, so the directory need not know them."""

from django.dispatch import Signal

# Sent with service_ids (a list of uuids) in the writer's transaction, after the directory has
# rewritten those services' search documents: their listing, needs, modes, places or opening
# times may have changed. The matcher keeps its index in step through it.
services_changed = Signal()
