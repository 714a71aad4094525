"""image_labels end to end through a real scheduler, inside a network namespace of its
own (``tests/support/netns.py``): Airflow, the stand-ins and the canaries all run in it, and
PostgreSQL is reached through its unix socket."""

from __future__ import annotations

from tests.support.netns import run_in_namespace


def test_image_labels_end_to_end_in_its_own_network_namespace():
    # Two modules, each with an Airflow of its own: image_labels, then the results page.
    run_in_namespace("tests/e2e/isolated", timeout=1500)
