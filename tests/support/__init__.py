"""Helpers the test folders share; fixtures stay in the ``conftest.py`` that needs them."""

from dev import PROJECT_ROOT

# Figures and screenshots the end-to-end tests leave behind for people to look at.
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
