"""Every message, reply and API body has a real schema: no bare objects, every field of the
API described, unknown input refused."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from gateway.app import create_app
from services.common.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
ASYNCAPI = sorted((ROOT / "docs" / "asyncapi").glob("*.json"))
FREE_FORM = {"NotificationRequested.params"}
"""Template values differ per notification kind; they are the one free-form map left."""


def bare_objects(schema: Any, path: str) -> Iterator[str]:
    """Paths of object schemas that say nothing of their fields."""
    if isinstance(schema, dict):
        if (
            schema.get("type") == "object"
            and not schema.get("properties")
            and schema.get("additionalProperties", True) in (True, {})
            and path not in FREE_FORM
        ):
            yield path
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                for name, sub in value.items():
                    yield from bare_objects(sub, f"{path.rsplit('/', 1)[-1]}.{name}")
            else:
                yield from bare_objects(value, f"{path}/{key}" if key != "$defs" else path)
    elif isinstance(schema, list):
        for item in schema:
            yield from bare_objects(item, path)


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    app = create_app(Settings(var_dir=tmp_path_factory.mktemp("var")))
    return TestClient(app).get("/openapi.json").json()


@pytest.mark.parametrize("document", ASYNCAPI, ids=lambda p: p.stem)
def test_asyncapi_messages_and_replies_all_have_their_fields(document: Path):
    spec = json.loads(document.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    assert any(name.endswith("Answer") for name in schemas), "the reply is documented"
    assert list(bare_objects(schemas, "")) == []
    for message in spec["components"]["messages"].values():
        assert "$ref" in message["payload"], message["title"]


def test_asyncapi_requests_are_one_union_discriminated_on_kind():
    spec = json.loads((ROOT / "docs" / "asyncapi" / "signing.json").read_text(encoding="utf-8"))
    [body] = [s for name, s in spec["components"]["schemas"].items() if "oneOf" in s]
    assert body["discriminator"] == "kind"
    refs = {ref["$ref"].rsplit("/", 1)[-1] for ref in body["oneOf"]}
    assert {"CreateEnvelope", "SendEnvelope", "GetEnvelope", "SignAsParty", "Health"} <= refs


def test_events_say_who_consumes_them():
    for document in ASYNCAPI:
        spec = json.loads(document.read_text(encoding="utf-8"))
        for name, schema in spec["components"]["schemas"].items():
            if "event_id" in schema.get("properties", {}):
                description = schema.get("description", "")
                assert "consume" in description, name


def test_openapi_has_no_bare_object(openapi):
    assert list(bare_objects(openapi["components"]["schemas"], "")) == []


def test_every_api_route_declares_what_it_answers(openapi):
    app = create_app(Settings())
    for route in app.routes:
        if isinstance(route, APIRoute) and route.path.startswith("/api/"):
            streams = route.response_class.__name__ == "StreamingResponse"
            assert route.response_model is not None or streams, route.path
    for path, methods in openapi["paths"].items():
        for method, operation in methods.items():
            success = [code for code in operation["responses"] if code.startswith("2")]
            assert success, (method, path)
            content = operation["responses"][success[0]].get("content", {})
            assert content, (method, path)
            for schema in (c.get("schema") for c in content.values()):
                assert schema is None or schema != {}, (method, path)
            problem = operation["responses"]["422"]["content"]["application/problem+json"]
            assert problem["schema"]["$ref"].endswith("ProblemDetails"), (method, path)


def undescribed(schemas: dict[str, Any]) -> list[str]:
    return [
        f"{model}.{name}"
        for model, schema in schemas.items()
        for name, field in schema.get("properties", {}).items()
        if not field.get("description")
    ]


def test_every_field_of_every_api_model_is_described(openapi):
    assert undescribed(openapi["components"]["schemas"]) == []


def test_coordinates_say_their_origin_and_direction(openapi):
    field = openapi["components"]["schemas"]["FieldInput"]
    assert "top-left" in field["description"] and "downward" in field["description"]
    assert "points" in field["properties"]["x"]["description"]


def test_unknown_fields_of_api_bodies_are_refused_not_ignored(openapi):
    schemas = openapi["components"]["schemas"]
    for name in ("EnvelopeRequest", "PartyInput", "FieldInput"):
        assert schemas[name]["additionalProperties"] is False, name


@pytest.mark.parametrize("document", ASYNCAPI, ids=lambda p: p.stem)
def test_every_field_of_every_message_and_reply_is_described(document: Path):
    spec = json.loads(document.read_text(encoding="utf-8"))
    assert undescribed(spec["components"]["schemas"]) == []
