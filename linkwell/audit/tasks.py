"""Background work for the audit log (huey): a nightly check of the whole chain."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .verification import audit_chain_verify

logger = logging.getLogger("linkwell.audit")


@db_periodic_task(crontab(hour="2", minute="40"))
def audit_chain_check() -> dict[str, object]:
    """02:40 UTC every night: the same walk as ``linkwell verify_audit``. A broken chain is logged
    at ERROR with the row and the reason, so the site's log alerting picks it up."""
    report = audit_chain_verify()
    summary: dict[str, object] = {
        "intact": report.intact,
        "rows_checked": report.rows_checked,
        "last_hash": report.last_hash,
        "chain_last_hashes": {str(end.chain): end.last_hash for end in report.chain_ends},
    }
    if report.problem is None:
        logger.info(
            "Audit log intact: %s rows, last hash %s", report.rows_checked, report.last_hash
        )
        return summary
    problem = report.problem
    logger.error(
        "Audit log broken at row %s in chain %s: %s (%s)",
        problem.row_id,
        problem.chain,
        problem.fault,
        problem.explanation,
    )
    return {
        **summary,
        "row_id": problem.row_id,
        "chain": problem.chain,
        "fault": str(problem.fault),
    }
