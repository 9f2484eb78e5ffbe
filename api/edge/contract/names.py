"""Component names that read as a mobile developer's nouns, and every union a named component
with a required, typed discriminator.

The names are the types of every generated client (Swift, Kotlin, TypeScript, Python): once
published they stay. Python keeps its `...In`/`...Out` classes; this is where they are named.
"""

from collections.abc import Iterator
from typing import Any

from api.schemas.base import without_null

SCHEMAS = "#/components/schemas/"

# Python class -> component name. A class not listed loses `Out` (`CoupleOut` -> `Couple`);
# `PatchIn` becomes `Update` and `In` becomes `Request` (tests/test_openapi.py forbids the rest).
PUBLIC_NAMES = {
    "AccountDeleteIn": "AccountDeletion",
    "AnswerIn": "AnswerSubmission",
    "ApiTokenCreatedOut": "ApiTokenWithSecret",
    "ApiTokenIn": "NewApiToken",
    "ChangeOut": "SyncChange",
    "CheckInIn": "NewCheckIn",
    "CommentIn": "NewComment",
    "DeviceIn": "DeviceRegistration",
    "EmailVerificationConfirmIn": "EmailVerificationConfirmation",
    "ExtraAssignmentIn": "NewExtraAssignment",
    "JoinIn": "JoinRequest",
    "JourneyIn": "NewJourney",
    "JourneyStartIn": "JourneyStart",
    **{
        f"{name}": f"{name}Mutation"
        for name in ("AnswerPut", "AnswerDelete", "CommentAdd", "ReactionSet", "ReactionClear")
    },
    "CheckInPut": "CheckInPutMutation",
    "MutationResult": "SyncMutationResult",
    "PasswordChangeIn": "PasswordChange",
    "PasswordResetConfirmIn": "PasswordResetConfirmation",
    "PasswordResetIn": "PasswordResetRequest",
    "ProfileUpdateIn": "ProfileUpdate",
    "PullOut": "SyncPull",
    "PushIn": "SyncPush",
    "PushOut": "SyncPushResult",
    "ReactionIn": "NewReaction",
    "RefreshIn": "RefreshRequest",
    "RegisterIn": "Registration",
    "ThemeIn": "NewTheme",
    "TokenOut": "AuthTokens",
    "CoupleUpdateIn": "CoupleUpdate",
    **{f"{kind}ExerciseIn": f"New{kind}Exercise" for kind in ("Open", "Choice", "Scale")},
    **{f"{kind}ExerciseIn": f"New{kind}Exercise" for kind in ("Guess", "Activity")},
    **{f"{kind}ExerciseOut": f"{kind}Exercise" for kind in ("Open", "Choice", "Scale")},
    **{f"{kind}ExerciseOut": f"{kind}Exercise" for kind in ("Guess", "Activity")},
}

# A union, by its variants' component names -> its name.
UNION_NAMES = {
    frozenset(f"{kind}Content" for kind in ("Open", "Choice", "Scale", "Guess", "Activity")): (
        "AnswerContent"
    ),
    frozenset(f"{kind}Exercise" for kind in ("Open", "Choice", "Scale", "Guess", "Activity")): (
        "Exercise"
    ),
    frozenset(f"New{kind}Exercise" for kind in ("Open", "Choice", "Scale", "Guess", "Activity")): (
        "NewExercise"
    ),
    frozenset(
        f"{name}Mutation"
        for name in ("AnswerPut", "AnswerDelete", "CommentAdd", "ReactionSet", "ReactionClear")
    )
    | {"CheckInPutMutation"}: "SyncMutation",
}
# An inline enum, by the title of the field it types -> its component: one type per field in
# every client, whatever values it gains. Not listed: the title, in PascalCase.
ENUM_NAMES = {
    "Partner Status": "PartnerStatus",
    "Entity": "SyncEntity",
    "Op": "SyncOperation",
    "Status": "SyncMutationStatus",
    "First Status": "SyncMutationStatus",
}
UNION_DESCRIPTIONS = {
    "AnswerContent": "An answer's content, one shape per exercise type; `type` tells which.",
    "Exercise": "An exercise as served, one shape per type; `type` tells which.",
    "NewExercise": "A new exercise, one shape per type; `type` tells which.",
    "SyncMutation": "One offline write, one shape per `type`. One that can never apply comes "
    "back `rejected` with a reason, without stopping the rest of the batch.",
}


def public_name(python_name: str) -> str:
    if python_name in PUBLIC_NAMES:
        return PUBLIC_NAMES[python_name]
    for suffix, replacement in (("PatchIn", "Update"), ("Out", ""), ("In", "Request")):
        if python_name.endswith(suffix) and len(python_name) > len(suffix):
            return python_name.removesuffix(suffix) + replacement
    return python_name


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in the document, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def name_components(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    renamed = {name: public_name(name) for name in schemas}
    assert len(set(renamed.values())) == len(renamed), "two schemas got the same public name"
    document["components"]["schemas"] = {renamed[name]: schema for name, schema in schemas.items()}
    for schema_name, schema in document["components"]["schemas"].items():
        schema["title"] = schema_name
    for node in walk(document):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(SCHEMAS):
            node["$ref"] = SCHEMAS + renamed.get(ref.removeprefix(SCHEMAS), ref)
        mapping = node.get("discriminator", {}).get("mapping", {})
        for tag, target in mapping.items():
            mapping[tag] = SCHEMAS + renamed[target.removeprefix(SCHEMAS)]


def _variants(union: dict[str, Any]) -> frozenset[str]:
    return frozenset(branch["$ref"].removeprefix(SCHEMAS) for branch in union["oneOf"])


def name_unions(document: dict[str, Any]) -> None:
    """Inline `oneOf`s become `$ref`s to one named union each; each variant's discriminator is
    required and typed by a named enum (a `const` pins the variant's own value), which Swift's
    and Kotlin's generators need to decode the right variant."""
    schemas = document["components"]["schemas"]
    unions: dict[str, dict[str, Any]] = {}
    for node in list(walk(document)):
        if "oneOf" in node and "discriminator" in node:
            # A union not listed (a new variant, say) keeps the title it came with.
            name = UNION_NAMES.get(_variants(node)) or node["title"]
            unions[name] = {
                "title": name,
                "description": UNION_DESCRIPTIONS.get(name, node.get("description", "")),
                "oneOf": node.pop("oneOf"),
                "discriminator": node.pop("discriminator"),
            }
            node.pop("title", None)
            node["$ref"] = SCHEMAS + name
    for union in unions.values():
        _type_the_discriminator(schemas, union)
        _declare_the_base(schemas, union)
    schemas.update(unions)


def _type_the_discriminator(schemas: dict[str, Any], union: dict[str, Any]) -> None:
    tag_name = union["discriminator"]["propertyName"]
    tags = set(union["discriminator"]["mapping"])
    enum = next(
        (
            name
            for name, schema in schemas.items()
            if schema.get("type") == "string" and set(schema.get("enum", ())) == tags
        ),
        union["title"] + "Type",
    )
    schemas.setdefault(enum, {"type": "string", "enum": sorted(tags), "title": enum})
    for tag, target in union["discriminator"]["mapping"].items():
        variant = schemas[target.removeprefix(SCHEMAS)]
        # allOf, not a $ref beside `const`: tools reading JSON Schema draft 7 ignore a $ref's
        # siblings, and the variants would then overlap.
        variant["properties"][tag_name] = {"allOf": [{"$ref": SCHEMAS + enum}], "const": tag}
        if tag_name not in variant.setdefault("required", []):
            variant["required"].insert(0, tag_name)


def _declare_the_base(schemas: dict[str, Any], union: dict[str, Any]) -> None:
    """`{union}Base`: what every variant has (the discriminator); each variant is an `allOf` of
    it and of its own fields. Generators that model a union by inheritance read it: Kotlin with
    moshi makes the base an interface every variant implements (tools/contract/kotlin-moshi.yaml
    types the union by it), where the `oneOf` alone gives an interface no variant implements.
    A variant's own fields stay whole in its second part (closed, the discriminator a `const`),
    so `oneOf` clients and validators read the union as before."""
    name = union["title"] + "Base"
    tag_name = union["discriminator"]["propertyName"]
    variants = [
        target.removeprefix(SCHEMAS) for target in union["discriminator"]["mapping"].values()
    ]
    tag = schemas[variants[0]]["properties"][tag_name]["allOf"][0]
    schemas[name] = {
        "title": name,
        "description": f"What every `{union['title']}` has: its `{tag_name}`, which tells which.",
        "type": "object",
        "properties": {tag_name: tag},
        "required": [tag_name],
        "discriminator": dict(
            union["discriminator"], mapping=dict(union["discriminator"]["mapping"])
        ),
    }
    for variant in variants:
        own = schemas[variant]
        kept = {key: own.pop(key) for key in ("title", "description") if key in own}
        schemas[variant] = kept | {"allOf": [{"$ref": SCHEMAS + name}, own]}


def name_enums(document: dict[str, Any]) -> None:
    """Inline enums of several values become named components: a nullable one otherwise comes
    out as `...Type0` in Python, and the same one twice as two types."""
    schemas = document["components"]["schemas"]
    for node in list(walk(document)):
        for branch in node.get("anyOf", []):
            if "enum" in branch and "title" in node:
                branch.setdefault("title", node["title"])
    for node in list(walk(document)):
        values = node.get("enum")
        inline = not any(node is schema for schema in schemas.values())
        if node.get("type") != "string" or not values or len(values) < 2 or not inline:
            continue
        title = str(node.get("title", "value"))
        name = ENUM_NAMES.get(title) or "".join(part.capitalize() for part in title.split())
        schemas.setdefault(name, {"type": "string", "enum": values, "title": name})
        for key in ("type", "enum", "title"):
            node.pop(key, None)
        node["$ref"] = SCHEMAS + name


# Descriptions of the parameters whose routes give none, by name (and by path where one name
# means another thing there).
PARAMETER_DESCRIPTIONS = {
    "assignment_id": "The assignment's id, from /v1/today or your history.",
    "answer_id": "The answer's id (`my_answer.id` or `partner_answer.id` of an assignment).",
    "exercise_id": "The exercise's id, stable across its versions.",
    "slug": "The slug: lowercase words joined by hyphens.",
    "token_id": "The API token's id (never its secret).",
    "device_id": "An id the app chose for this device, kept across launches.",
    "kind": "Only assignments of this kind.",
    "revealed": "Only revealed (true) or not yet revealed (false) assignments.",
    "last-event-id": "The id of the last event you received: an event comes at once when the "
    "couple has changed since.",
    "/v1/sync cursor": "The `cursor` of your last pull; leave out to pull everything.",
    "/v1/sync limit": "Changes per page, 1 to 500; `has_more` says when more wait.",
}


def simplify_parameters(document: dict[str, Any]) -> None:
    """A parameter left out is absent, never null; and its name is its name (generators make
    a type of a parameter schema's `title`, such as a `Type` that Swift reserves)."""
    for path, item in document["paths"].items():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                name = parameter["name"]
                described = PARAMETER_DESCRIPTIONS.get(f"{path} {name}")
                described = described or PARAMETER_DESCRIPTIONS.get(name)
                if described and not parameter.get("description"):
                    parameter["description"] = described
                schema = parameter.get("schema", {})
                schema.pop("title", None)
                without_null(schema)
                if "$ref" in schema:
                    # The parameter's own description says it; beside a $ref it makes a type.
                    parameter["schema"] = {"$ref": schema["$ref"]}


def size_integers(document: dict[str, Any]) -> None:
    """Every integer says its size, so Swift and Kotlin pick Int (or Int64 for a change's seq,
    a counter that only grows) instead of guessing."""
    for node in walk(document):
        if node.get("type") == "integer" and "format" not in node:
            node["format"] = "int32"
    for change in ("SyncChange",):
        document["components"]["schemas"][change]["properties"]["seq"]["format"] = "int64"
