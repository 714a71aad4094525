"""The documentation's screenshots, taken again from the running UI: ``make screenshots``.

Every picture in ``docs/screenshots/`` is one an end-to-end test takes of the Airflow UI
(``tests/e2e/isolated/test_results_page.py`` the results pages, the company_review test
the Required actions form) into ``test-artifacts/`` under the same name. ``make
screenshots`` runs those tests, then this module copies each fresh picture over its
namesake in ``docs/screenshots/``, so the pictures show the UI of the code they sit
beside; ``tests/unit/test_docs.py`` checks that each has a test that takes it.

    python -m dev.screenshots     # after the tests: copy; fails naming any not taken
"""

from __future__ import annotations

import shutil
import sys
import time

from dev import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# A picture older than this was left by an earlier test run, not this one.
FRESH_SECONDS = 6 * 3600


def main() -> None:
    now = time.time()
    missing = []
    for picture in sorted(SCREENSHOTS.glob("*.png")):
        taken = ARTIFACTS / picture.name
        if not taken.exists() or now - taken.stat().st_mtime > FRESH_SECONDS:
            missing.append(picture.name)
            continue
        shutil.copyfile(taken, picture)
        print(f"{picture.relative_to(PROJECT_ROOT)}  <- {taken.relative_to(PROJECT_ROOT)}")
    if missing:
        sys.exit(f"not taken by this test run (see test-artifacts/): {', '.join(missing)}")


if __name__ == "__main__":
    main()
