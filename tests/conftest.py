"""Test-wide settings. Under CI (CI=true), hypothesis runs derandomized: the same examples every
run, so a green CI is reproducible; locally it explores new examples each run."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
