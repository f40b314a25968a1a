"""Platform resources served by the simulator validate against Heroku's published Platform
API JSON hyper-schema (heroku/platform-api schema.json, a copy in data/)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest


def _strict(node):
    """Heroku marks closed objects with `strictProperties`, which JSON Schema ignores: turn it
    into `additionalProperties: false` so an invented field fails validation."""
    if isinstance(node, dict):
        if node.get("strictProperties") and "properties" in node:
            node.setdefault("additionalProperties", False)
        for value in node.values():
            _strict(value)
    elif isinstance(node, list):
        for value in node:
            _strict(value)
    return node


SCHEMA = _strict(json.loads((Path(__file__).parent / "data" / "platform-api-schema.json").read_text()))


def validate(instance, definition: str) -> None:
    # The hyper-schema is draft-04 with `#/definitions/...` references from its root.
    schema = {**SCHEMA, "$ref": f"#/definitions/{definition}"}
    schema.pop("properties", None)
    schema.pop("links", None)
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker()).validate(instance)


@pytest.fixture
def resources(sim):
    sim.patch("/apps/sushi/config-vars", json={"FEATURE": "on"})
    return {
        "app": sim.get("/apps/sushi").json(),
        "add-on": sim.get("/addons/postgresql-lavender-12345").json(),
        "add-on-attachment": sim.get("/apps/sushi/addon-attachments").json(),
        "formation": sim.get("/apps/sushi/formation").json(),
        "release": sim.get("/apps/sushi/releases").json(),
        "config-var": sim.get("/apps/sushi/config-vars").json(),
        "dyno": sim.wait_for(lambda: sim.get("/apps/sushi/dynos").json(), what="dynos"),
    }


def test_resources_match_platform_schema(resources):
    for definition, instance in resources.items():
        if definition == "config-var":
            validate(instance, "config-var/definitions/config_vars")
            continue
        for item in instance if isinstance(instance, list) else [instance]:
            validate(item, definition)


def test_schema_check_is_not_vacuous():
    with pytest.raises(jsonschema.ValidationError):
        validate({"id": "not-a-uuid-but-required-fields-missing"}, "add-on")
    with pytest.raises(jsonschema.ValidationError):
        validate({"name": "Bad_Name"}, "app")
