"""Writing referrals: the front door (referrer's page, API, public form), the Gravity status
workflow, assignment, and the response-deadline sweep.

Every function here runs in one transaction: bad input raises before anything is kept. The
package is split by concern (intake, workflow, deadlines); import from here.
"""

from ._common import (
    API_FIELDS,
    PERSON_FIELDS,
    REFERRING_ROLES,
    SELF_REFERRAL_FIELDS,
    SNOMED_SOCIAL_PRESCRIBING_DECLINED,
    URGENCY_RESPONSE_WORKING_DAYS,
    TooManyRequests,
    intake_team,
    referral_url,
)
from .api_intake import referral_create_via_api
from .deadlines import referral_deadline_sweep_run, self_referral_attempts_prune
from .intake import referral_create, referral_create_self
from .workflow import referral_assign, referral_transition

__all__ = [
    "API_FIELDS",
    "PERSON_FIELDS",
    "REFERRING_ROLES",
    "SELF_REFERRAL_FIELDS",
    "SNOMED_SOCIAL_PRESCRIBING_DECLINED",
    "URGENCY_RESPONSE_WORKING_DAYS",
    "TooManyRequests",
    "intake_team",
    "referral_assign",
    "referral_create",
    "referral_create_self",
    "referral_create_via_api",
    "referral_deadline_sweep_run",
    "referral_transition",
    "referral_url",
    "self_referral_attempts_prune",
]
