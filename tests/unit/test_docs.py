"""The front door: README stays short, and the files outside docs/ link to what exists.

`make test` builds the site in docs/ with ``mkdocs build --strict``, which checks every
link and anchor between its pages. README.md, CONTRIBUTING.md and plugins/README.md are
outside the site, so their links are checked here: each relative link names a file of the
repository, and an anchor a heading of that file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

from dev import PROJECT_ROOT

README = PROJECT_ROOT / "README.md"
OUTSIDE_THE_SITE = [README, PROJECT_ROOT / "CONTRIBUTING.md", PROJECT_ROOT / "plugins/README.md"]
PAGES = sorted((PROJECT_ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.M)


def prose(path: Path) -> str:
    """The Markdown of ``path`` without its fenced code blocks and inline code."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return re.sub(r"`[^`\n]*`", "", text)


def anchors(path: Path) -> set[str]:
    """The ids the heading of ``path`` get, as MkDocs' toc extension makes them."""
    headings = HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8")))
    return {slugify(re.sub(r"[`*_]", "", heading), "-") for heading in headings}


def relative_links(path: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(path))
        if not re.match(r"[a-z][a-z0-9+.-]*:", target)  # https:, mailto: ...
    ]


def test_readme_is_the_front_door_not_the_manual():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 300


@pytest.mark.parametrize("page", OUTSIDE_THE_SITE, ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_relative_links_name_files_and_headings_that_exist(page: Path):
    links = relative_links(page)
    assert links
    broken = []
    for link in links:
        file_part, _, anchor = link.partition("#")
        target = (page.parent / file_part).resolve() if file_part else page
        if not target.exists() or (anchor and anchor not in anchors(target)):
            broken.append(link)
    assert broken == []


def test_readme_gives_two_commands_and_ci_runs_the_second():
    quick_start = README.read_text(encoding="utf-8").split("## Quick start", 1)[1]
    block = quick_start.split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    assert commands == ["make demo", "make test"]
    assert "exec make test" in (PROJECT_ROOT / ".ci/run").read_text()
    test_target = (PROJECT_ROOT / "Makefile").read_text().split("\ntest:", 1)[1].split("\n\n")[0]
    assert "mkdocs build --strict" in test_target


@pytest.mark.parametrize(
    "page", OUTSIDE_THE_SITE + PAGES, ids=lambda p: str(p.relative_to(PROJECT_ROOT))
)
def test_every_code_block_is_closed(page: Path):
    """An unclosed fence turns the rest of a page into code, which MkDocs builds without a
    warning."""
    fences = re.findall(r"^```", page.read_text(encoding="utf-8"), flags=re.M)
    assert len(fences) % 2 == 0


PYTHON_FILES = [
    path
    for folder in ("include", "dags", "plugins", "dev", "tests", "bench")
    for path in (PROJECT_ROOT / folder).rglob("*.py")
]
MODULE_NAMED = re.compile(r"`([\w./-]+\.py)\b")


@pytest.mark.parametrize(
    "page", [*PAGES, *OUTSIDE_THE_SITE], ids=lambda p: str(p.relative_to(PROJECT_ROOT))
)
def test_every_python_file_a_page_names_exists(page: Path):
    """A module moved or renamed leaves no page pointing at its old name: each
    ```name.py``` or ```folder/name.py``` a page names is a file of the project."""
    files = [str(path.relative_to(PROJECT_ROOT)) for path in PYTHON_FILES]
    named = set(MODULE_NAMED.findall(page.read_text(encoding="utf-8")))
    missing = [
        name
        for name in sorted(named)
        if not any(file == name or file.endswith(f"/{name}") for file in files)
    ]
    assert missing == []


SCREENSHOTS = sorted((PROJECT_ROOT / "docs" / "screenshots").glob("*.png"))
TAKEN = (
    re.compile(r'shoot\(page, "(\w+)"\)'),  # tests/e2e/isolated/test_results_page.py
    re.compile(r'ARTIFACTS / "(\w+)\.png"'),
)


def taken_by_tests() -> set[str]:
    """The pictures end-to-end tests take into test-artifacts/, by file name."""
    names = set()
    for path in (PROJECT_ROOT / "tests").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        names |= {f"results_{name}.png" for name in TAKEN[0].findall(text)}
        names |= {f"{name}.png" for name in TAKEN[1].findall(text)}
    return names


@pytest.mark.parametrize("picture", SCREENSHOTS, ids=lambda path: path.name)
def test_every_screenshot_is_shown_and_taken_again_by_a_test(picture: Path):
    """`make screenshots` copies each picture from the test that takes it: one no test
    takes could only drift from the UI, and one no page shows is dead weight."""
    pages = [*PAGES, README]
    assert any(f"screenshots/{picture.name}" in page.read_text(encoding="utf-8") for page in pages)
    assert picture.name in taken_by_tests()
