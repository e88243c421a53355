"""``/api/docs``: the API's description as a page, rendered here from the same description
``/api/v1/openapi.json`` serves (no script, nothing fetched from elsewhere), in the
reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue

from portal.openapi.spec import as_json, describe

bp = Blueprint("api_docs", __name__)


@dataclass
class Field:
    name: str
    kind: str
    required: bool
    limits: str
    description: str


@dataclass
class Answer:
    status: str
    description: str
    codes: list[str]


@dataclass
class Doc:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    role: str | None
    public: bool
    pro: bool
    idempotent: bool
    parameters: list[Field]
    body: list[Field]
    body_media: list[str]
    answers: list[Answer]
    success_media: list[str]


@dataclass
class Group:
    name: str
    anchor: str
    operations: list[Doc] = field(default_factory=list)


def kind_of(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kinds = schema.get("type", "")
    kinds = [kinds] if isinstance(kinds, str) else [k for k in kinds if k != "null"]
    text = " | ".join(kinds)
    if schema.get("format"):
        text += f" ({schema['format']})"
    return text


def limits_of(schema: dict[str, Any]) -> str:
    parts = []
    if "enum" in schema:
        parts.append(", ".join(str(v) for v in schema["enum"] if v is not None))
    for key, sign in (
        ("minLength", "≥"),
        ("maxLength", "≤"),
        ("minimum", "≥"),
        ("exclusiveMinimum", ">"),
        ("maximum", "≤"),
        ("maxItems", "≤"),
    ):
        if key in schema:
            parts.append(f"{sign} {schema[key]}")
    if "pattern" in schema:
        parts.append(schema["pattern"])
    return "; ".join(parts)


def body_fields(schema: dict[str, Any], prefix: str = "") -> list[Field]:
    """An object's properties as rows, nested objects and arrays of objects flattened."""
    if "oneOf" in schema:  # an object, or a plain string for one of its parts
        schema = next(s for s in schema["oneOf"] if s.get("type") == "object")
    required = set(schema.get("required", []))
    rows: list[Field] = []
    for name, sub in schema.get("properties", {}).items():
        label = f"{prefix}{name}"
        rows.append(
            Field(
                label,
                kind_of(sub) if "oneOf" not in sub else "object | string",
                name in required,
                limits_of(sub),
                str(sub.get("description", "")),
            )
        )
        if sub.get("type") == "object" or "oneOf" in sub:
            rows += body_fields(sub, f"{label}.")
        elif sub.get("type") == "array" and sub.get("items", {}).get("type") == "object":
            rows += body_fields(sub["items"], f"{label}[].")
    return rows


def _parameters(op: dict[str, Any], components: dict[str, Any]) -> list[Field]:
    rows = []
    for param in op.get("parameters", []):
        if "$ref" in param:
            param = components["parameters"][param["$ref"].rsplit("/", 1)[-1]]
        rows.append(
            Field(
                f"{param['name']} ({param['in']})",
                kind_of(param["schema"]),
                bool(param.get("required")),
                limits_of(param["schema"]),
                str(param.get("description", "")),
            )
        )
    return rows


def _answers(op: dict[str, Any]) -> list[Answer]:
    answers = []
    for status, answer in op["responses"].items():
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        codes = []
        for part in schema.get("allOf", []):
            codes += part.get("properties", {}).get("code", {}).get("enum", [])
        answers.append(Answer(status, answer["description"], codes))
    return answers


def groups_of(description: dict[str, Any]) -> list[Group]:
    groups = {
        tag["name"]: Group(tag["name"], f"tag-{i}") for i, tag in enumerate(description["tags"])
    }
    components = description["components"]
    for path, item in description["paths"].items():
        for method, op in item.items():
            body = op.get("requestBody", {}).get("content", {})
            success = next(a for s, a in op["responses"].items() if s.startswith("2"))
            groups[op["tags"][0]].operations.append(
                Doc(
                    anchor=op["operationId"],
                    method=method.upper(),
                    path=f"{description['servers'][0]['url']}{path}",
                    summary=op["summary"],
                    description=op.get("description", ""),
                    role=op.get("x-role"),
                    public=op.get("security") == [],
                    pro=bool(op.get("x-pro")),
                    idempotent=any(
                        p.get("$ref", "").endswith("IdempotencyKey")
                        for p in op.get("parameters", [])
                    ),
                    parameters=_parameters(op, components),
                    body=body_fields(next(iter(body.values()))["schema"]) if body else [],
                    body_media=list(body),
                    answers=_answers(op),
                    success_media=list(success.get("content", {})),
                )
            )
    return [group for group in groups.values() if group.operations]


@bp.get("/api/docs")
def api_docs() -> ResponseReturnValue:
    description = as_json(describe(current_app))
    return render_template(
        "openapi/docs.html", info=description["info"], groups=groups_of(description)
    )
