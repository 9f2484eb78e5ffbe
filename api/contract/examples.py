"""Examples of the bodies whose models carry none, by component name: every request and
success body shows one in /docs and in generated clients' docs, each validated against its
schema (tests/e2e/test_openapi_valid.py)."""

from typing import Any

EXAMPLES: dict[str, Any] = {}


def attach_examples(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name, example in EXAMPLES.items():
        schemas[name].setdefault("examples", [example])
