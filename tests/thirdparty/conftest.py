"""Third-party kernel checks. Every module here is marked `thirdparty` and `slow`, so the default
run (``-m 'not slow'``) skips them; run them with ``pytest -m thirdparty tests/thirdparty``.

Findings are described in docs/fuzz-report.md; a test asserting a finding fails when the third
party changes behaviour, which is the signal to update the report.
"""
