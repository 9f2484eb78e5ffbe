"""Base classes for request and response bodies."""

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, ValidationInfo, field_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

# Strict: JSON's own types only, as the document states them (`"4"` is not a mood, `"no"` is
# not a boolean), so a client that sends the wrong type learns it on its first call.
STRICT = ConfigDict(strict=True, extra="forbid")


class RequestBody(BaseModel):
    """Request bodies reject unknown fields: a client can never set what it does not own."""

    model_config = STRICT


class ChangesIn(RequestBody):
    """A partial update (PATCH): a field left out keeps its value; `null` clears a field, and
    only the fields in `nullable`, where clearing means something, take it. The document
    says so: only those fields admit null there."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*")
    @classmethod
    def _not_null(cls, value: object, info: ValidationInfo) -> object:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("cannot be null; leave the field out to keep it")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler.resolve_ref_schema(handler(core_schema))
        for name, field in schema.get("properties", {}).items():
            if name not in cls.nullable:
                # No default either: left out means kept.
                field.pop("default", None)
                without_null(field)
        return schema


def without_null(field: dict[str, Any]) -> None:
    """A JSON schema `anyOf [T, null]` becomes T, for a value that may be absent but not null."""
    branches = field.get("anyOf")
    if branches is None or {"type": "null"} not in branches:
        return
    kept = [branch for branch in branches if branch != {"type": "null"}]
    del field["anyOf"]
    if len(kept) == 1:
        field.update(kept[0])
    else:
        field["anyOf"] = kept


class ResponseBody(BaseModel):
    model_config = ConfigDict(from_attributes=True)
