"""One source for every default: a pipeline's settings, and the DAG Params built from them.

Each pipeline declares one frozen dataclass whose fields are made with :func:`setting`:
the default, the description the UI trigger form shows, and the JSON-schema limits the
form and Airflow validate. The DAG builds its Params with :meth:`Settings.dag_params`
and each task turns the run's params back into the dataclass with
:meth:`Settings.from_params`; the package's functions take that object, never loose
Param names. Built any other way (tests, benchmarks), the settings are validated by the
same JSON-schema rules as the Params.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Mapping
from typing import Any, Self

JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


# The SNS topic alerts go to (enrichment.alerts), created by the bootstrap.
ALERTS_TOPIC = "enrichment-alerts"


def setting(default: Any, description: str, **schema: Any) -> Any:
    """A settings field: its ``default``, its ``description`` and JSON-schema ``schema``
    keywords (``minimum``, ``maxLength``, ``enum``, ...); the JSON type comes from the
    field's annotation."""
    return dataclasses.field(
        default=default, metadata={"description": description, "schema": schema}
    )


def alerts_topic() -> Any:
    """The ``alerts_topic`` field every pipeline's settings end with: one default, one
    description."""
    return setting(
        ALERTS_TOPIC,
        "SNS topic told when a run fails (or misses its deadline); empty: no alert.",
        maxLength=256,
        pattern="^[A-Za-z0-9_-]*$",
    )


# Airflow validates every Param of a run with jsonschema each time it builds a task's
# context (in the triggerer: once per company), checking the schema itself first. Against
# draft 7's meta-schema that check costs a quarter of the default 2020-12 one's, and
# these schemas use nothing newer.
JSON_SCHEMA_DRAFT = "http://json-schema.org/draft-07/schema#"


def _json_schema(annotation: Any) -> dict[str, Any]:
    if typing.get_origin(annotation) is tuple:  # tuple[str, ...]: a JSON array of strings
        (item, _) = typing.get_args(annotation)
        return {"$schema": JSON_SCHEMA_DRAFT, "type": "array", "items": {"type": JSON_TYPES[item]}}
    return {"$schema": JSON_SCHEMA_DRAFT, "type": JSON_TYPES[annotation]}


def _json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class Settings:
    """Base of a pipeline's frozen settings dataclass (see the module docstring)."""

    @classmethod
    def param_specs(cls) -> dict[str, dict[str, Any]]:
        """Name -> ``default``, ``description`` and JSON ``schema`` of every field."""
        return _param_specs(cls)

    @classmethod
    def dag_params(cls) -> dict[str, Any]:
        """The DAG's ``params``: one typed, described and limited ``Param`` per field."""
        from airflow.sdk import Param

        return {
            name: Param(spec["default"], description=spec["description"], **spec["schema"])
            for name, spec in cls.param_specs().items()
        }

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> Self:
        """The settings of a run from its ``params`` (other keys are ignored)."""
        types = {name: spec["schema"]["type"] for name, spec in cls.param_specs().items()}
        values = {}
        for name, kind in types.items():
            value = params[name]
            if kind == "array":
                value = tuple(value)
            elif kind == "number" and isinstance(value, int):
                value = float(value)  # JSON has one number type; 70 is a valid 70.0
            values[name] = value
        return cls(**values)

    @classmethod
    def from_conf(cls, conf: Mapping[str, Any]) -> Self:
        """The settings of a run from its conf alone (what is not in it: the defaults),
        where the run's resolved Params are not at hand; other keys are ignored."""
        specs = cls.param_specs()
        return cls.from_params(
            {name: spec["default"] for name, spec in specs.items()}
            | {name: value for name, value in conf.items() if name in specs}
        )

    def __post_init__(self) -> None:
        """Validate every field against its JSON schema, as the trigger form does."""
        values = {name: _json_value(getattr(self, name)) for name in self.param_specs()}
        for error in _validator(type(self)).iter_errors(values):
            name = error.path[0] if error.path else "?"
            raise ValueError(f"{type(self).__name__}.{name}: {error.message}")


@functools.cache
def _param_specs(settings: type[Settings]) -> dict[str, dict[str, Any]]:
    hints = typing.get_type_hints(settings)
    return {
        field.name: {
            "default": _json_value(field.default),
            "description": field.metadata["description"],
            "schema": _json_schema(hints[field.name]) | field.metadata["schema"],
        }
        for field in dataclasses.fields(settings)
    }


@functools.cache
def _validator(settings: type[Settings]):
    """One JSON-schema validator for all fields of ``settings``, built once per process:
    Airflow's ``Param`` rules (the same schemas, the same default draft and format
    checks), without compiling the schemas again for every run's settings."""
    from jsonschema import FormatChecker
    from jsonschema.validators import validator_for

    schema = {
        "$schema": JSON_SCHEMA_DRAFT,
        "type": "object",
        "properties": {name: spec["schema"] for name, spec in settings.param_specs().items()},
    }
    return validator_for(schema)(schema, format_checker=FormatChecker())
