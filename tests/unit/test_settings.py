"""Settings: one source for every default, limit and description of a pipeline.

The DAGs build their Params from the settings (``tests/dags`` checks they do); here the
settings themselves: validation by the Params' own JSON-schema rules, the round trip
from a run's params, and the Param tables of the pipelines' pages in docs/, which must say
what the settings say.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from enrichment.company_sentiment.settings import SentimentSettings
from enrichment.image_labels.settings import ImageLabelsSettings
from enrichment.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs"
PIPELINES = [
    pytest.param(SentimentSettings, "company_sentiment", id="company_sentiment"),
    pytest.param(ImageLabelsSettings, "image_labels", id="image_labels"),
]


def documented_param_table(dag_id: str) -> dict[str, str]:
    """Param -> default as the table of the pipeline's page, ``docs/<dag_id>.md``, shows it."""
    page = (DOCS / f"{dag_id}.md").read_text(encoding="utf-8")
    table = page.split("| Param | default | meaning |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", table, flags=re.MULTILINE)
    return dict(rows)


@pytest.mark.parametrize(("settings", "dag_id"), PIPELINES)
def test_documented_param_table_says_what_the_settings_say(settings: type[Settings], dag_id: str):
    shown = documented_param_table(dag_id)
    expected = {
        name: json.dumps(spec["default"])
        if not isinstance(spec["default"], str)
        else spec["default"]
        for name, spec in settings.param_specs().items()
    }
    assert shown == expected


@pytest.mark.parametrize(("settings", "dag_id"), PIPELINES)
def test_every_setting_has_a_description_and_a_json_type(settings: type[Settings], dag_id: str):
    for name, spec in settings.param_specs().items():
        assert spec["description"].strip(), name
        assert spec["schema"]["type"] in ("string", "integer", "number", "boolean", "array"), name


@pytest.mark.parametrize(
    ("settings", "change", "message"),
    [
        pytest.param(
            ImageLabelsSettings,
            {"max_depth": 11},
            "ImageLabelsSettings.max_depth: 11 is greater than the maximum of 10",
            id="above-maximum",
        ),
        pytest.param(
            ImageLabelsSettings,
            {"max_image_bytes": 16 * 1024 * 1024},
            "max_image_bytes: 16777216 is greater than the maximum of 15728640",
            id="above-rekognition-limit",
        ),
        pytest.param(
            SentimentSettings, {"language": "xx"}, "language: 'xx' is not one of", id="enum"
        ),
        pytest.param(
            SentimentSettings, {"bucket": "ab"}, "bucket: 'ab' is too short", id="too-short"
        ),
        pytest.param(
            SentimentSettings, {"sentences": "2"}, "sentences: '2' is not of type", id="wrong-type"
        ),
    ],
)
def test_invalid_settings_are_refused_by_the_params_rules(settings, change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        settings(**change)


def test_from_params_takes_json_values_and_ignores_other_keys():
    params = ImageLabelsSettings.param_specs()
    values = {name: spec["default"] for name, spec in params.items()}
    values |= {"sites": ["sample"], "min_confidence": 80, "unrelated": "x"}

    settings = ImageLabelsSettings.from_params(values)

    assert settings.sites == ("sample",)
    assert settings.min_confidence == 80.0
    assert isinstance(settings.min_confidence, float)
    assert settings.limits().max_depth == 3


def test_defaults_round_trip_through_params():
    for settings in (SentimentSettings, ImageLabelsSettings):
        defaults = {name: spec["default"] for name, spec in settings.param_specs().items()}
        assert settings.from_params(defaults) == settings()
