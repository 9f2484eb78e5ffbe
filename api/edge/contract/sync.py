"""The offline mutations of `POST /v1/sync` as the union they are: one shape per `type`.

The batch's own model takes any `{id, type, ...}` so that a mutation that can never apply is
`rejected` in the results instead of failing the batch (SPEC §6); each one is then validated
against the union of api/services/sync/mutations.py, which is what the document shows clients.
"""

from typing import Any

from api.edge.contract.names import SCHEMAS
from api.services.sync.mutations import MUTATION

BATCH = "PushIn"
LOOSE_MUTATION = "MutationIn"


def declare_mutations(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    union = MUTATION.json_schema(ref_template=SCHEMAS + "{model}")
    for name, schema in union.pop("$defs").items():
        # As FastAPI writes its own schemas: no `default: null` (a generator trips on it).
        for field in schema.get("properties", {}).values():
            if "default" in field and field["default"] is None:
                del field["default"]
        schemas.setdefault(name, schema)
    schemas[BATCH]["properties"]["mutations"]["items"] = union | {"title": "SyncMutation"}
    del schemas[LOOSE_MUTATION]
