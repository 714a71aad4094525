"""One source for every default: a pipeline's settings, and the DAG Params built from them.

Each pipeline declares one frozen dataclass whose fields are made with :func:`setting`:
the default, the description the UI trigger form shows, and the JSON-schema limits the
form and Airflow validate. The DAG builds its Params with :meth:`Settings.dag_params`
and each task turns the run's params back into the dataclass with
:meth:`Settings.from_params`; the package's functions take that object, never loose
Param names. Built any other way (tests, benchmarks), the settings are validated by the
same JSON-schema rules, through Airflow's own ``Param``.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any, Self

JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def setting(default: Any, description: str, **schema: Any) -> Any:
    """A settings field: its ``default``, its ``description`` and JSON-schema ``schema``
    keywords (``minimum``, ``maxLength``, ``enum``, ...); the JSON type comes from the
    field's annotation."""
    return dataclasses.field(
        default=default, metadata={"description": description, "schema": schema}
    )


def _json_schema(annotation: Any) -> dict[str, Any]:
    if typing.get_origin(annotation) is tuple:  # tuple[str, ...]: a JSON array of strings
        (item, _) = typing.get_args(annotation)
        return {"type": "array", "items": {"type": JSON_TYPES[item]}}
    return {"type": JSON_TYPES[annotation]}


def _json_value(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class Settings:
    """Base of a pipeline's frozen settings dataclass (see the module docstring)."""

    @classmethod
    def param_specs(cls) -> dict[str, dict[str, Any]]:
        """Name -> ``default``, ``description`` and JSON ``schema`` of every field."""
        hints = typing.get_type_hints(cls)
        return {
            field.name: {
                "default": _json_value(field.default),
                "description": field.metadata["description"],
                "schema": _json_schema(hints[field.name]) | field.metadata["schema"],
            }
            for field in dataclasses.fields(cls)
        }

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
        hints = typing.get_type_hints(cls)
        values = {}
        for field in dataclasses.fields(cls):
            value = params[field.name]
            if typing.get_origin(hints[field.name]) is tuple:
                value = tuple(value)
            elif hints[field.name] is float and isinstance(value, int):
                value = float(value)  # JSON has one number type; 70 is a valid 70.0
            values[field.name] = value
        return cls(**values)

    def __post_init__(self) -> None:
        """Validate every field against its JSON schema, as the trigger form does."""
        from airflow.sdk import Param
        from airflow.sdk.exceptions import ParamValidationError

        for name, spec in self.param_specs().items():
            try:
                Param(_json_value(getattr(self, name)), **spec["schema"]).resolve()
            except ParamValidationError as invalid:
                # The first line says it all ("11 is greater than the maximum of 10").
                reason = str(invalid).splitlines()[0]
                raise ValueError(f"{type(self).__name__}.{name}: {reason}") from None
