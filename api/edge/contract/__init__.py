"""The OpenAPI document as client generators read it: what FastAPI derives from the routes,
finished in one place (names, unions, headers, links, examples), so the Python classes keep
their names and FastAPI's validation stays what it is."""

from typing import Any

from api.edge.contract.examples import attach_examples
from api.edge.contract.headers import declare_headers, declare_security_and_servers
from api.edge.contract.links import declare_links
from api.edge.contract.names import (
    name_components,
    name_enums,
    name_unions,
    simplify_parameters,
    size_integers,
)
from api.edge.contract.sync import declare_mutations


def finish(document: dict[str, Any]) -> dict[str, Any]:
    declare_mutations(document)
    name_components(document)
    name_unions(document)
    name_enums(document)
    simplify_parameters(document)
    declare_headers(document)
    declare_security_and_servers(document)
    declare_links(document)
    attach_examples(document)
    size_integers(document)
    return document
