"""The committed OpenAPI document as mobile teams' tools read it: openapi-generator makes the
Swift (`swift6`) and Kotlin (moshi, kotlinx-serialization) clients without a warning the
document causes, Redocly's `recommended` rules find no error, Spectral's `spectral:oas` no
warning, and the OWASP ruleset nothing beyond the allow-list in tools/contract/.spectral-owasp.yaml.
`bash scripts/contract-tools.sh` installs the tools (scripts/test.sh runs it)."""

import json
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import OPENAPI_JSON, REPO, end_to_end, run

pytestmark = end_to_end

TOOLS = REPO / "tools" / "contract"
NODE_BIN = TOOLS / "node_modules" / ".bin"
GENERATOR = Path(shutil.which("openapi-generator-cli") or REPO / ".venv/bin/openapi-generator-cli")
# Each generator warning that the document does not cause, at most this many times, and why.
GENERATOR_WARNINGS_ALLOWED = {
    # The version FastAPI writes; the generator flags every 3.1 document so (twice for kotlin).
    "OpenAPI 3.1 support is still in beta": 2,
    # The `type` query parameter of GET /v1/exercises (its name is fixed by SPEC §4): Swift
    # reserves `Type`, so the generator renames a type it derives from it and never uses.
    "Type (reserved word) cannot be used as model name. Renamed to ModelType": 1,
}
CLIENTS = {
    "swift6": ("swift6", TOOLS / "swift6.yaml"),
    "kotlin-moshi": ("kotlin", TOOLS / "kotlin-moshi.yaml"),
    "kotlin-kotlinx": ("kotlin", TOOLS / "kotlin-kotlinx.yaml"),
}

needs_tools = pytest.mark.skipif(
    not (GENERATOR.exists() and shutil.which("java") and NODE_BIN.exists()),
    reason="needs the contract tools: `bash scripts/contract-tools.sh` (scripts/test.sh runs it)",
)


def generate(client: str, output: Path) -> str:
    generator, config = CLIENTS[client]
    return run(
        [GENERATOR, "generate", "-i", OPENAPI_JSON, "-g", generator, "-c", config, "-o", output]
    )


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    """Each client generated once per test session: (its folder, what the generator said)."""
    root = tmp_path_factory.mktemp("generated-clients")
    return {client: (root / client, generate(client, root / client)) for client in CLIENTS}


def warnings_of(log: str) -> Counter[str]:
    return Counter(
        re.sub(r"^.*? (WARN|ERROR) +\S+ - ", "", line)
        for line in log.splitlines()
        if " WARN " in line or " ERROR " in line
    )


@needs_tools
@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_the_generators_find_nothing_to_warn_about(
    generated: dict[str, tuple[Path, str]], client: str
) -> None:
    said = warnings_of(generated[client][1])
    unexpected = {
        warning: count
        for warning, count in said.items()
        if not any(
            warning.startswith(allowed) and count <= most
            for allowed, most in GENERATOR_WARNINGS_ALLOWED.items()
        )
    }
    assert not unexpected, unexpected
    # Names the generators would invent for an unnamed schema.
    assert "Inline schema created" not in generated[client][1]


@needs_tools
def test_redocly_recommended_finds_no_error() -> None:
    said = run(
        [NODE_BIN / "redocly", "lint", "--config", TOOLS / "redocly.yaml", OPENAPI_JSON],
        env={"REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
    )
    # Redocly exits non-zero on any error (run() asserts it); warnings are printed, not failed.
    assert "Error was generated" not in said, said


@needs_tools
@pytest.mark.parametrize("ruleset", [".spectral-oas.yaml", ".spectral-owasp.yaml"])
def test_spectral_finds_nothing(ruleset: str) -> None:
    """`spectral:oas` with no warning at all; the OWASP rules with the allow-list beside them."""
    said = run(
        [
            NODE_BIN / "spectral",
            "lint",
            "--ruleset",
            TOOLS / ruleset,
            "--fail-severity",
            "hint",
            "--format",
            "text",
            OPENAPI_JSON,
        ]
    )
    assert "No results with a severity of 'hint' or higher found!" in said, said


MODELS = Path("src/main/kotlin/app/attune/client/models")


def unions() -> dict[str, tuple[str, dict[str, str]]]:
    """Each union of the document: its discriminator and {tag: variant}."""
    schemas = json.loads(OPENAPI_JSON.read_text(encoding="utf-8"))["components"]["schemas"]
    return {
        name: (
            schema["discriminator"]["propertyName"],
            {tag: ref.rsplit("/", 1)[1] for tag, ref in schema["discriminator"]["mapping"].items()},
        )
        for name, schema in schemas.items()
        if "oneOf" in schema and "discriminator" in schema
    }


@needs_tools
def test_moshi_variants_implement_their_union(generated: dict[str, tuple[Path, str]]) -> None:
    """With moshi each union is typed by its base, an interface every variant implements with a
    non-null discriminator (the `oneOf` itself would come out as an interface none implements,
    so it must not be generated at all)."""
    models = generated["kotlin-moshi"][0] / MODELS
    found = unions()
    assert {"AnswerContent", "Exercise", "NewExercise", "SyncMutation"} <= set(found)
    for union, (tag, variants) in found.items():
        assert not (models / f"{union}.kt").exists(), f"{union} generated beside its base"
        base = (models / f"{union}Base.kt").read_text(encoding="utf-8")
        assert re.search(rf"^interface {union}Base \{{", base, re.MULTILINE), base
        assert re.search(rf"^    val {tag}: \w+$", base, re.MULTILINE), base
        for variant in variants.values():
            code = (models / f"{variant}.kt").read_text(encoding="utf-8")
            assert re.search(rf"^\) : {union}Base \{{", code, re.MULTILINE), variant
            assert re.search(rf"^    override val {tag}: \w+,$", code, re.MULTILINE), variant
    source = generated_source(models, ".kt")
    assert not re.search(r"\b(?:AnswerContent|Exercise|NewExercise|SyncMutation)\b[?,>]", source)
    field_error = (models / "FieldError.kt").read_text(encoding="utf-8")
    assert "val loc: kotlin.collections.List<kotlin.String>," in field_error


# Moshi's own annotations, for compiling the models without Maven: only their names matter.
MOSHI_ANNOTATIONS = """\
package com.squareup.moshi

annotation class Json(val name: String)
annotation class JsonClass(val generateAdapter: Boolean)
"""
# What an app does with the models, compiled against them: build an answer from a variant,
# read a variant back, reach every union's discriminator, read a 422's `loc`. One function per
# variant, made from the document, checks that each is its union.
USES = """\
package app.attune.check

import app.attune.client.models.*

fun answer(text: String) =
    AnswerSubmission(content = OpenContent(type = ExerciseType.`open`, text = text))
fun theirText(assignment: Assignment): String? =
    (assignment.partnerAnswer?.content as? OpenContent)?.text
fun kinds(page: ExercisePage): List<ExerciseType> = page.items.map { it.type }
fun stale(problem: StaleAnswerProblem): ExerciseType? = problem.current?.type
fun push(mutations: List<SyncMutationBase>) = SyncPush(mutations = mutations)
fun where(problem: ValidationProblem): List<String> = problem.errors.flatMap { it.loc }
fun missing(problem: ScopeProblem): List<Scope> = problem.missingScopes
fun kept(result: SyncMutationResult): AnswerContentBase? = result.overwritten
fun firstTime(result: SyncMutationResult): SyncMutationStatus? = result.firstStatus
"""
# Debian's kotlinc is 1.3: the two calls of newer Kotlin in the enums' decode() are spelled as
# 1.3 spells them, and nothing else is touched.
OLD_KOTLIN = {".lowercase()": ".toLowerCase()", "entries.firstOrNull": "values().firstOrNull"}


def compile_kotlin(models: list[Path], beside: dict[str, str], where: Path) -> None:
    """Compiles `models`, as Debian's kotlinc 1.3 reads them, with the files in `beside`."""
    sources = where / "src"
    sources.mkdir()
    for model in models:
        code = model.read_text(encoding="utf-8")
        for new, old in OLD_KOTLIN.items():
            code = code.replace(new, old)
        (sources / model.name).write_text(code, encoding="utf-8")
    for name, code in beside.items():
        (sources / name).write_text(code, encoding="utf-8")
    said = run(
        ["kotlinc", "-nowarn", *sorted(sources.glob("*.kt")), "-d", where / "classes"],
        timeout=600,
    )
    assert "error:" not in said, said


@needs_tools
@pytest.mark.skipif(not shutil.which("kotlinc"), reason="needs kotlinc (Debian's `kotlin`)")
def test_moshi_models_compile_as_an_app_uses_them(
    generated: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    each_variant = "".join(
        f"fun as{variant}(value: {variant}): {union}Base = value\n"
        for union, (_, variants) in unions().items()
        for variant in variants.values()
    )
    models = sorted((generated["kotlin-moshi"][0] / MODELS).glob("*.kt"))
    beside = {"Moshi.kt": MOSHI_ANNOTATIONS, "Uses.kt": USES + each_variant}
    compile_kotlin(models, beside, tmp_path)


@needs_tools
@pytest.mark.parametrize("client", ["kotlin-moshi", "kotlin-kotlinx"])
def test_no_kotlin_model_is_a_map(generated: dict[str, tuple[Path, str]], client: str) -> None:
    """A schema that admits members it does not name (`additionalProperties: true`) makes a
    model extend HashMap: with kotlinx-serialization `HashMap<String, kotlin.Any>()()`, which
    does not compile, and never a plain data class. Problems and sync results name theirs."""
    source = generated_source(generated[client][0] / MODELS, ".kt")
    assert "HashMap" not in source
    for model in ("Problem", "ValidationProblem", "ScopeProblem", "StaleAnswerProblem"):
        code = (generated[client][0] / MODELS / f"{model}.kt").read_text(encoding="utf-8")
        assert re.search(rf"^data class {model} \($", code, re.MULTILINE), model


# kotlinx-serialization's annotations, for compiling the models without Gradle and the
# compiler plugin: only their names and where they may stand matter.
KOTLINX_ANNOTATIONS = """\
package kotlinx.serialization

import kotlin.annotation.AnnotationTarget.*

@Target(CLASS, PROPERTY, VALUE_PARAMETER, TYPE) annotation class Serializable
@Target(CLASS, PROPERTY, VALUE_PARAMETER) annotation class SerialName(val value: String)
@Target(CLASS, PROPERTY, VALUE_PARAMETER, TYPE) annotation class Contextual
"""
# A union's sealed interface needs the serialization runtime and Kotlin 1.5's value classes:
# the models that refer to one compile here against a stand-in of its name.
KOTLINX_UNION = "package app.attune.client.models\n\ninterface AnswerContent\n"
KOTLINX_MODELS = (
    *("Problem", "ValidationProblem", "FieldError", "StaleAnswerProblem", "ScopeProblem"),
    *("Scope", "SyncMutationResult", "SyncMutationStatus", "Answer"),
)
KOTLINX_USES = """\
package app.attune.check

import app.attune.client.models.*

fun said(problem: Problem): String = problem.detail
fun where(problem: ValidationProblem): List<String> = problem.errors.flatMap { it.loc }
fun stale(problem: StaleAnswerProblem): Int? = problem.currentVersion
fun missing(problem: ScopeProblem): List<Scope> = problem.missingScopes
fun kept(result: SyncMutationResult): AnswerContent? = result.overwritten
fun mine(result: SyncMutationResult): Int? = result.answer?.version
fun firstTime(result: SyncMutationResult): SyncMutationStatus? = result.firstStatus
"""


@needs_tools
@pytest.mark.skipif(not shutil.which("kotlinc"), reason="needs kotlinc (Debian's `kotlin`)")
def test_kotlinx_problems_and_sync_results_compile(
    generated: dict[str, tuple[Path, str]], tmp_path: Path
) -> None:
    folder = generated["kotlin-kotlinx"][0] / MODELS
    models = [folder / f"{model}.kt" for model in KOTLINX_MODELS]
    beside = {
        "Kotlinx.kt": KOTLINX_ANNOTATIONS,
        "AnswerContent.kt": KOTLINX_UNION,
        "Uses.kt": KOTLINX_USES,
    }
    compile_kotlin(models, beside, tmp_path)


README = REPO / "README.md"
# Names in the snippets that are the languages' or their libraries' own, not generated.
LANGUAGE_NAMES = {"String", "Int", "PolymorphicJsonAdapterFactory"}


def snippet(language: str) -> str:
    found = re.search(rf"```{language}\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    assert found, f"the README has no {language} snippet"
    return found.group(1)


def generated_source(folder: Path, suffix: str) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in folder.rglob(f"*{suffix}"))


@needs_tools
@pytest.mark.parametrize(
    ("language", "client", "suffix", "declares"),
    [
        ("swift", "swift6", ".swift", r"(?:struct|enum|class) {name}\b|case {name}\("),
        ("kotlin", "kotlin-kotlinx", ".kt", r"(?:class|interface|object) {name}\b"),
        ("kotlin moshi", "kotlin-moshi", ".kt", r"(?:class|interface|object) {name}\b"),
    ],
)
def test_the_readme_stories_name_what_is_generated(
    generated: dict[str, tuple[Path, str]], language: str, client: str, suffix: str, declares: str
) -> None:
    code = re.sub(r'"[^"]*"', '""', snippet(language))
    source = generated_source(generated[client][0], suffix)
    types = set(re.findall(r"\b[A-Z][A-Za-z]+\b", code)) - LANGUAGE_NAMES
    calls = set(re.findall(r"(?:API|Api|api)\.(\w+)\(", code))
    cases = set(re.findall(r"\.(type\w+)\(", code))
    assert types and calls
    for name in types:
        assert re.search(declares.format(name=name), source), f"{language}: no type {name}"
    for name in calls:
        assert re.search(rf"\bfunc {name}\(|\bfun {name}\(", source), f"{language}: no {name}()"
    for name in cases:
        assert f"case {name}(" in source, f"{language}: no case {name}"
    for name, argument in built_with(code):
        model = next(generated[client][0].rglob(f"{name}{suffix}"))
        declared = re.search(rf"\b(?:val|var) {argument}:", model.read_text(encoding="utf-8"))
        assert declared, f"{language}: {name} has no {argument}"


def built_with(code: str) -> Iterator[tuple[str, str]]:
    """(type, argument) for each argument named in building a type: `Type(argument = ...)` in
    Kotlin, `Type(argument: ...)` in Swift."""
    for found in re.finditer(r"\b([A-Z][A-Za-z]+)\(", code):
        depth, start = 0, found.end()
        for end in range(start, len(code)):
            depth += {"(": 1, ")": -1}.get(code[end], 0)
            if depth < 0:
                break
        inner = code[start:end]
        # Only the arguments of this call, not of the calls inside it.
        while re.search(r"\([^()]*\)", inner):
            inner = re.sub(r"\([^()]*\)", "", inner)
        for argument in re.findall(r"(?:^|,)\s*(\w+)\s*(?:=|:)(?!:)", inner):
            yield found.group(1), argument
