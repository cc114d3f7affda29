"""The catalogue interchange format (docs/catalogue-format.md): parse, validate, export.

Validation collects every error with its path before anything is written, so an import is
accepted or refused as a whole. `normalize` turns a valid payload into its canonical form;
exporting an imported version gives the same canonical form back (round trip).
"""

import hashlib
import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from .groups import SigneeGroup
from .models import CONTENT_LANGUAGES, Obligation, SchemeKind, version_code_validator

FORMAT = "cpo-catalogue/1"
# Path segments of /criteria/ that a version code would hide.
RESERVED_VERSION_CODES = frozenset({"versions", "diff"})
GROUPS = [g.value for g in SigneeGroup]
OBLIGATIONS = [o.value for o in Obligation]
DEFAULT_PASS_RULE = {"should_share": 0.75, "validity_months": 36, "surveillance_months": 12}
MAX_BYTES = 5 * 1024 * 1024
_CODE_CHARS = r"[A-Za-z0-9][A-Za-z0-9._-]*"


def _show(value: Any) -> str:
    """A value for an error message: short, and never the expansion of a hostile structure."""
    if isinstance(value, str | int | float | bool) or value is None:
        text = repr(value)
        return text if len(text) <= 40 else text[:37] + "…"
    return f"a {type(value).__name__}"


class _NoAliasLoader(yaml.SafeLoader):
    """The format has no use for anchors and aliases; refusing them stops alias bombs."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


_FLAGS = ("justification_required", "evidence_required", "not_applicable_allowed")
_CRITERION_FIELDS = ("code", "title", "text", "obligation", "applies_to", *_FLAGS)
_ASSESSMENT_FIELDS = ("code", "title", "text", "obligation", "verifies", *_FLAGS)


@dataclass(frozen=True)
class ImportError_:
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


class CatalogueInvalid(Exception):
    """The payload was refused; `errors` lists every problem with its path."""

    def __init__(self, errors: list[ImportError_]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:5]))
        self.errors = errors


def parse(text: str | bytes, *, filename: str = "") -> dict[str, Any]:
    """YAML or JSON (JSON is YAML's subset, but a .json file is read strictly as JSON)."""
    if len(text) > MAX_BYTES:
        raise CatalogueInvalid([ImportError_("", "The file is larger than 5 MB.")])
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise CatalogueInvalid([ImportError_("", "The file is not UTF-8 text.")]) from None
    try:
        data = (
            json.loads(text)
            if filename.endswith(".json")
            else yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader subclass)
        )
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogueInvalid([ImportError_("", f"Malformed file{where}: {problem}")]) from None
    if not isinstance(data, dict):
        raise CatalogueInvalid([ImportError_("", "The file must contain one mapping (object).")])
    return data


class _Validator:
    def __init__(self) -> None:
        self.errors: list[ImportError_] = []

    def error(self, path: str, reason: str) -> None:
        self.errors.append(ImportError_(path, reason))

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.error(path, "must be a mapping")
            return {}
        return value

    def items(self, value: Any, path: str, *, required: bool = True) -> list[Any]:
        if value is None and not required:
            return []
        if not isinstance(value, list) or (required and not value):
            self.error(path, "must be a non-empty list")
            return []
        return value

    def fields(self, value: dict[str, Any], path: str, allowed: set[str]) -> None:
        """Unknown fields are errors: a typo must not fall back to a default silently."""
        for name in sorted(set(value) - allowed, key=str):
            self.error(f"{path}.{name}" if path else str(name), "unknown field")

    def code(self, value: Any, path: str, *, limit: int = 20) -> str:
        if isinstance(value, int | float) and not isinstance(value, bool):
            # YAML reads 2.10 as the number 2.1: refuse instead of guessing.
            self.error(path, f'must be a string; write "{_show(value)}" in quotes')
            return ""
        if not isinstance(value, str) or not re.fullmatch(_CODE_CHARS, value) or len(value) > limit:
            self.error(
                path,
                f"must be 1 to {limit} letters, digits, dots, dashes or underscores",
            )
            return ""
        return value

    def text(
        self, value: Any, path: str, languages: list[str], *, required: bool, limit: int = 20000
    ) -> dict[str, str]:
        if value is None:
            value = {}
        if isinstance(value, str):
            self.error(path, f"must be a mapping of languages, e.g. {{en: {value[:20]!r}}}")
            return {}
        value = self.mapping(value, path)
        out: dict[str, str] = {}
        for lang, text in value.items():
            if lang not in CONTENT_LANGUAGES:
                self.error(
                    f"{path}.{lang}", f"unknown language (use {', '.join(CONTENT_LANGUAGES)})"
                )
            elif lang not in languages:
                self.error(f"{path}.{lang}", "language not listed in `languages`")
            elif not isinstance(text, str):
                self.error(f"{path}.{lang}", "must be text")
            elif len(text) > limit:
                self.error(f"{path}.{lang}", f"longer than {limit} characters")
            elif text.strip():
                out[lang] = text.strip()
        if required and not out:
            self.error(path, "has no text in any language")
        return out

    def flag(self, value: Any, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(path, "must be true or false")
            return False
        return value

    def obligation(self, value: Any, path: str) -> str:
        if value not in OBLIGATIONS:
            self.error(path, f"invalid obligation {_show(value)} (use shall, should or may)")
            return ""
        return str(value)


def normalize(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a parsed payload and return its canonical form, or raise CatalogueInvalid."""
    v = _Validator()
    v.fields(
        data,
        "",
        {"format", "version", "title", "languages", "demo", "notes", "categories", "schemes"},
    )
    if data.get("format") != FORMAT:
        v.error("format", f"must be {FORMAT!r}")
    version = data.get("version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        v.error("version", f'must be a string; write "{version}" in quotes')
        version = ""
    elif version is None:
        v.error("version", "is required")
        version = ""
    elif not isinstance(version, str):
        v.error("version", f"must be a text in quotes, not {_show(version)}")
        version = ""
    else:
        try:
            version_code_validator(version)
        except Exception:
            v.error("version", "use letters, digits, dots, dashes and underscores (at most 40)")
        if version in RESERVED_VERSION_CODES:
            v.error("version", f"{version!r} is reserved for a page of the portal")
    languages = data.get("languages")
    if (
        not isinstance(languages, list)
        or not languages
        or any(lang not in CONTENT_LANGUAGES for lang in languages)
        or len(set(languages)) != len(languages)
    ):
        v.error("languages", f"must list one or more of {', '.join(CONTENT_LANGUAGES)}")
        languages = list(CONTENT_LANGUAGES)
    languages = [lang for lang in CONTENT_LANGUAGES if lang in languages]

    categories_out: list[dict[str, Any]] = []
    schemes_out: list[dict[str, Any]] = []
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": version,
        "title": v.text(data.get("title"), "title", languages, required=True, limit=200),
        "languages": languages,
        "demo": v.flag(data.get("demo"), "demo"),
        "notes": v.text(data.get("notes"), "notes", languages, required=False),
        "categories": categories_out,
        "schemes": schemes_out,
    }

    codes: dict[str, str] = {}
    numbers: set[str] = set()
    keys: set[str] = set()
    for i, raw in enumerate(v.items(data.get("categories"), "categories")):
        path = f"categories[{i}]"
        raw = v.mapping(raw, path)
        v.fields(raw, path, {"number", "key", "title", "description", "criteria"})
        number = v.code(raw.get("number"), f"{path}.number", limit=10)
        if number and number in numbers:
            v.error(f"{path}.number", f"duplicate category number {number!r}")
        numbers.add(number)
        key = raw.get("key")
        if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9_]{1,40}", key):
            v.error(f"{path}.key", "must be 1 to 40 of a-z, 0-9 and _, e.g. interoperability")
            key = ""
        elif key in keys:
            v.error(f"{path}.key", f"duplicate category key {key!r}")
        keys.add(key)
        category: dict[str, Any] = {
            "number": number,
            "key": key,
            "title": v.text(raw.get("title"), f"{path}.title", languages, required=True, limit=200),
            "description": v.text(
                raw.get("description"), f"{path}.description", languages, required=False
            ),
            "criteria": [],
        }
        for j, rc in enumerate(v.items(raw.get("criteria"), f"{path}.criteria")):
            cpath = f"{path}.criteria[{j}]"
            rc = v.mapping(rc, cpath)
            code = v.code(rc.get("code"), f"{cpath}.code")
            if code and code in codes:
                v.error(f"{cpath}.code", f"duplicate code {code!r} (also at {codes[code]})")
            codes.setdefault(code, cpath)
            applies = rc.get("applies_to", GROUPS)
            if (
                not isinstance(applies, list)
                or not applies
                or any(g not in GROUPS for g in applies)
                or len(set(applies)) != len(applies)
            ):
                v.error(f"{cpath}.applies_to", f"must list one or more of {', '.join(GROUPS)}")
                applies = GROUPS
            v.fields(rc, cpath, {*_CRITERION_FIELDS})
            category["criteria"].append(
                {
                    "code": code,
                    "title": v.text(
                        rc.get("title"), f"{cpath}.title", languages, required=True, limit=300
                    ),
                    "text": v.text(rc.get("text"), f"{cpath}.text", languages, required=True),
                    "obligation": v.obligation(rc.get("obligation"), f"{cpath}.obligation"),
                    "applies_to": [g for g in GROUPS if g in applies],
                    "justification_required": v.flag(
                        rc.get("justification_required"), f"{cpath}.justification_required"
                    ),
                    "evidence_required": v.flag(
                        rc.get("evidence_required"), f"{cpath}.evidence_required"
                    ),
                    "not_applicable_allowed": v.flag(
                        rc.get("not_applicable_allowed"), f"{cpath}.not_applicable_allowed"
                    ),
                }
            )
        categories_out.append(category)

    code_index = {code: i for i, code in enumerate(codes)}
    kinds: set[str] = set()
    assessment_codes: dict[str, str] = {}
    for i, raw in enumerate(v.items(data.get("schemes"), "schemes", required=False)):
        path = f"schemes[{i}]"
        raw = v.mapping(raw, path)
        v.fields(raw, path, {"kind", "title", "pass_rule", "subject_areas"})
        kind = raw.get("kind")
        if kind not in SchemeKind.values:
            v.error(f"{path}.kind", "must be organizational or product")
        elif kind in kinds:
            v.error(f"{path}.kind", f"a second {kind} scheme")
        kinds.add(kind if isinstance(kind, str) else "")
        given_rule = v.mapping(raw.get("pass_rule") or {}, f"{path}.pass_rule")
        v.fields(given_rule, f"{path}.pass_rule", set(DEFAULT_PASS_RULE))
        rule = {**DEFAULT_PASS_RULE, **given_rule}
        try:
            if not isinstance(rule["should_share"], int | float) or isinstance(
                rule["should_share"], bool
            ):
                raise InvalidOperation
            share = Decimal(str(rule["should_share"]))
            if not Decimal(0) <= share <= Decimal(1):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            v.error(f"{path}.pass_rule.should_share", "must be a number between 0 and 1")
            share = Decimal("0.75")
        months = {}
        for field in ("validity_months", "surveillance_months"):
            value = rule[field]
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 120:
                v.error(f"{path}.pass_rule.{field}", "must be a whole number of months (1–120)")
                value = DEFAULT_PASS_RULE[field]
            months[field] = value
        if months["surveillance_months"] > months["validity_months"]:
            v.error(f"{path}.pass_rule.surveillance_months", "must not exceed validity_months")
        scheme: dict[str, Any] = {
            "kind": kind,
            "title": v.text(raw.get("title"), f"{path}.title", languages, required=True, limit=200),
            "pass_rule": {"should_share": float(share.quantize(Decimal("0.01"))), **months},
            "subject_areas": [],
        }
        area_numbers: set[str] = set()
        for j, ra in enumerate(v.items(raw.get("subject_areas"), f"{path}.subject_areas")):
            apath = f"{path}.subject_areas[{j}]"
            ra = v.mapping(ra, apath)
            area_fields = {"category"} if kind == SchemeKind.PRODUCT else {"number", "title"}
            v.fields(ra, apath, {*area_fields, "criteria"})
            area: dict[str, Any] = {}
            if kind == SchemeKind.PRODUCT:
                category_number = v.code(ra.get("category"), f"{apath}.category", limit=10)
                if category_number and category_number not in numbers:
                    v.error(f"{apath}.category", f"unknown category {category_number!r}")
                if category_number and category_number in area_numbers:
                    v.error(f"{apath}.category", f"category {category_number!r} appears twice")
                area_numbers.add(category_number)
                area["category"] = category_number
            else:
                number = v.code(ra.get("number"), f"{apath}.number", limit=10)
                if number and number in area_numbers:
                    v.error(f"{apath}.number", f"duplicate subject area {number!r}")
                area_numbers.add(number)
                area["number"] = number
                area["title"] = v.text(
                    ra.get("title"), f"{apath}.title", languages, required=True, limit=200
                )
            area["criteria"] = []
            for k, rac in enumerate(v.items(ra.get("criteria"), f"{apath}.criteria")):
                acpath = f"{apath}.criteria[{k}]"
                rac = v.mapping(rac, acpath)
                v.fields(rac, acpath, {*_ASSESSMENT_FIELDS})
                code = v.code(rac.get("code"), f"{acpath}.code")
                if code and code in codes:
                    v.error(f"{acpath}.code", f"duplicate code {code!r} (also at {codes[code]})")
                elif code and code in assessment_codes:
                    v.error(
                        f"{acpath}.code",
                        f"duplicate code {code!r} (also at {assessment_codes[code]})",
                    )
                assessment_codes.setdefault(code, acpath)
                verifies = rac.get("verifies")
                if not isinstance(verifies, list) or not verifies:
                    v.error(f"{acpath}.verifies", "must list one or more CPO criterion codes")
                    verifies = []
                mapped = []
                for n, target in enumerate(verifies):
                    if not isinstance(target, str):
                        v.error(f"{acpath}.verifies[{n}]", "must be a criterion code in quotes")
                    elif target not in codes:
                        v.error(
                            f"{acpath}.verifies[{n}]", f"maps to missing criterion {_show(target)}"
                        )
                    elif target in mapped:
                        v.error(f"{acpath}.verifies[{n}]", f"{_show(target)} is listed twice")
                    else:
                        mapped.append(target)
                mapped.sort(key=code_index.__getitem__)  # catalogue order: stable round trip
                area["criteria"].append(
                    {
                        "code": code,
                        "title": v.text(
                            rac.get("title"), f"{acpath}.title", languages, required=True, limit=300
                        ),
                        "text": v.text(rac.get("text"), f"{acpath}.text", languages, required=True),
                        "obligation": v.obligation(rac.get("obligation"), f"{acpath}.obligation"),
                        "justification_required": v.flag(
                            rac.get("justification_required"), f"{acpath}.justification_required"
                        ),
                        "evidence_required": v.flag(
                            rac.get("evidence_required"), f"{acpath}.evidence_required"
                        ),
                        "not_applicable_allowed": v.flag(
                            rac.get("not_applicable_allowed"), f"{acpath}.not_applicable_allowed"
                        ),
                        "verifies": mapped,
                    }
                )
            scheme["subject_areas"].append(area)
        schemes_out.append(scheme)
    schemes_out.sort(
        key=lambda s: SchemeKind.values.index(s["kind"]) if s["kind"] in SchemeKind.values else 99
    )

    if v.errors:
        raise CatalogueInvalid(v.errors)
    return out


def content_hash(canonical: dict[str, Any]) -> str:
    blob = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()


def dump(canonical: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(canonical, ensure_ascii=False, indent=2) + "\n"
    return yaml.safe_dump(canonical, allow_unicode=True, sort_keys=False, width=100)
