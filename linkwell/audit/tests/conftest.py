import pytest

from linkwell.audit import services


@pytest.fixture(autouse=True)
def _start_in_chain_one():
    """Each test starts with chain 1 preferred, as a new process does. On PostgreSQL a test that
    holds heads from other connections moves this process's preference to another chain, and the
    tests here name chain 1 in what they expect."""
    services._preferred_chain = 1
    yield
    services._preferred_chain = 1
