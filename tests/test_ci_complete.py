"""In CI every framework must be installed, so that no parity case is skipped."""

import os

import pytest
from _fw import MISSING


@pytest.mark.skipif(os.environ.get("CI", "").lower() != "true", reason="only enforced in CI (CI=true)")
def test_all_frameworks_installed_in_ci():
    assert not MISSING, f"frameworks missing in CI: {MISSING}"
