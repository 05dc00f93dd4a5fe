"""Third-party kernel checks: marked `thirdparty` and `slow`, so the default run skips them.

Run them with ``pytest -m thirdparty tests/thirdparty``. Findings are described in
docs/fuzz-report.md; a test asserting a finding fails when the third party changes behaviour,
which is the signal to update the report.
"""

import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/thirdparty" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.thirdparty)
            item.add_marker(pytest.mark.slow)
