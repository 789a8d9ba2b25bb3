import re

import pytest
from django.core.exceptions import ValidationError

from linkwell.common.needs import NEED_DOMAINS, validate_need_codes


def test_needs_domains_match_the_shared_standard_exactly(shared_dir):
    text = (shared_dir / "standards" / "needs-taxonomy.md").read_text()
    rows = re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \| ([^|]+) \|$", text, re.M)
    assert [(c, label.strip()) for c, label, _ in rows] == [(d.code, d.label) for d in NEED_DOMAINS]


def test_unknown_need_codes_are_refused_with_their_names():
    with pytest.raises(ValidationError, match="debts"):
        validate_need_codes(["money", "debts"])
    assert validate_need_codes(["money", "housing", "money"]) == ["money", "housing"]
