"""Test-wide settings. Under CI (CI=true), hypothesis runs derandomized: the same examples every
run, so a green CI is reproducible; locally it explores new examples each run."""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# the proof cache (`fpverify.prove.cache`) of this test session lives in a fresh temporary
# directory, never in the user's ~/.cache (subprocesses and pool workers inherit the variable)
if not os.environ.get("FPVERIFY_PROOF_CACHE_KEEP"):
    import tempfile

    os.environ["FPVERIFY_PROOF_CACHE"] = tempfile.mkdtemp(prefix="fpverify-proof-cache-")
