"""Contract checks against platforms' published API descriptions (used by the tests).

Discord and Discourse publish OpenAPI 3.1 documents (vendored in `spaces/specs/`, MIT); the requests our
clients send are validated against the request-body schema of the matching operation, and the
fakes' responses against the response schema, so a fake cannot drift from the real API unnoticed.
GitHub publishes its GraphQL schema through npm (`@octokit/graphql-schema`); every GraphQL document
we send is validated against it.
"""

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPECS = {"discord": "discord-openapi.json.gz", "discourse": "discourse-openapi.json.gz"}


class ContractError(AssertionError):
    pass


SPECS_DIR = Path(__file__).resolve().parent / "specs"  # with the project: a clone alone runs the contract checks


@cache
def openapi(name: str) -> dict[str, Any]:
    with gzip.open(SPECS_DIR / SPECS[name], "rt", encoding="utf-8") as document:
        return dict(json.load(document))


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("^" + "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts) + "$")


def operation(name: str, method: str, path: str) -> dict[str, Any]:
    """The operation object whose path template matches a concrete path (e.g. /guilds/1/bans/2)."""
    spec = openapi(name)
    matches = [template for template in spec["paths"] if _template_regex(template).match(path)]
    # Prefer the most literal template: /users/@me over /users/{user_id}.
    for template in sorted(matches, key=lambda item: item.count("{")):
        item = spec["paths"][template]
        if method.lower() in item:
            return dict(item[method.lower()])
    raise ContractError(f"{name}: no operation {method.upper()} {path} in the published description")


@cache
def _registry(name: str) -> "Registry[Any]":
    resource = Resource.from_contents(openapi(name), default_specification=DRAFT202012)
    return Registry().with_resource(f"urn:{name}", resource)


def _validator(name: str, schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(_rebase(schema, name), registry=_registry(name))


def _rebase(schema: Any, name: str) -> Any:
    """Point local `#/components/...` references at the registered document."""
    if isinstance(schema, dict):
        return {
            key: (f"urn:{name}{value}" if key == "$ref" and isinstance(value, str) and value.startswith("#") else _rebase(value, name))
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_rebase(item, name) for item in schema]
    return schema


def _check(name: str, schema: dict[str, Any], instance: Any, what: str) -> None:
    errors = sorted(_validator(name, schema).iter_errors(instance), key=lambda error: list(error.path))
    if errors:
        details = "; ".join(f"{'/'.join(map(str, error.path)) or '(body)'}: {error.message}" for error in errors[:5])
        raise ContractError(f"{name}: {what} does not match the published description: {details}")


def check_schema(name: str, component: str, instance: Any) -> None:
    """Raise ContractError unless `instance` matches `#/components/schemas/<component>` of the published description."""
    _check(name, {"$ref": f"#/components/schemas/{component}"}, instance, f"a {component}")


def check_request(name: str, method: str, path: str, body: Any) -> None:
    """Raise ContractError unless `body` is a valid JSON request body for the operation."""
    op = operation(name, method, path)
    content = op.get("requestBody", {}).get("content", {})
    schema = (content.get("application/json") or {}).get("schema")
    if schema is None:
        if body not in (None, b"", {}):
            raise ContractError(f"{name}: {method.upper()} {path} takes no JSON body, but one was sent")
        return
    _check(name, schema, body, f"the request body of {method.upper()} {path}")


def check_response(name: str, method: str, path: str, status: int, body: Any) -> None:
    """Raise ContractError unless `body` matches the documented JSON response for that status."""
    op = operation(name, method, path)
    responses = op.get("responses", {})
    response = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
    if response is None:
        raise ContractError(f"{name}: {method.upper()} {path} documents no {status} response")
    if "$ref" in response:
        pointer = response["$ref"].lstrip("#/").split("/")
        response = openapi(name)
        for part in pointer:
            response = response[part]
    schema = ((response.get("content") or {}).get("application/json") or {}).get("schema")
    if schema is None:
        return
    _check(name, schema, body, f"the {status} response of {method.upper()} {path}")


@cache
def github_graphql_schema() -> Any:
    from graphql import build_schema

    path = settings.BASE_DIR / "node_modules" / "@octokit" / "graphql-schema" / "schema.graphql"
    # GitHub's published SDL repeats a few enterprise fields and deprecates some interface fields only on
    # their implementations, which graphql-core's schema rules reject. Those quirks are GitHub's, not ours:
    # take the schema as published and validate our documents against it (the document rules all apply).
    schema = build_schema(path.read_text(), assume_valid_sdl=True)
    schema._validation_errors = []  # graphql-core's "schema already validated" marker
    return schema


def check_graphql(document: str) -> None:
    """Raise ContractError unless the GraphQL document validates against GitHub's published schema."""
    from graphql import parse, validate

    errors = validate(github_graphql_schema(), parse(document))
    if errors:
        raise ContractError("GitHub GraphQL: " + "; ".join(error.message for error in errors))
