"""JSON Schemas: generated from engine/schema.py, committed in schemas/, used by every bundled file."""

from __future__ import annotations

import json

import jsonschema
import pytest

from engine.load.yamlio import load_yaml
from engine.validate.schema import KINDS, all_schemas, dump, kind_of_file, schema, schema_comment
from tests.conftest import KNOWLEDGE, ROOT

FILES = sorted(p for p in KNOWLEDGE.rglob("*.yaml"))


def plain(doc):
    """YAML as a JSON editor sees it (mapping keys are text, e.g. parameter years)."""
    if isinstance(doc, dict):
        return {str(k): plain(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [plain(v) for v in doc]
    return doc


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_is_up_to_date(kind):
    committed = ROOT / "schemas" / f"{kind}.schema.json"
    assert committed.read_text(encoding="utf-8") == dump(schema(kind)), "run: rothkb schema --write schemas"


def test_schemas_folder_has_nothing_stale():
    assert sorted(p.name for p in (ROOT / "schemas").glob("*.json")) == sorted(f"{k}.schema.json" for k in KINDS)


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(KNOWLEDGE)) for p in FILES])
def test_every_bundled_file_names_and_satisfies_its_schema(path, cli):
    relative = str(path.relative_to(KNOWLEDGE))
    kind = kind_of_file(relative)
    assert kind, f"{relative}: no schema kind for this file"
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == schema_comment(relative)
    target = (path.parent / first.split("$schema=")[1]).resolve()
    assert target == (ROOT / "schemas" / f"{kind}.schema.json").resolve() and target.exists()
    doc = plain(load_yaml(path))
    jsonschema.Draft7Validator(schema(kind)).validate(doc)


def test_rothkb_schema_output_validates_every_bundled_file(cli):
    result = cli("schema")
    assert result.code == 0
    printed = json.loads(result.out)
    assert printed == all_schemas()
    jsonschema.Draft7Validator.check_schema(printed)
    validator = jsonschema.Draft7Validator(printed)
    for path in FILES:
        assert validator.is_valid(plain(load_yaml(path))), path


def test_rothkb_schema_kind_prints_one_schema(cli):
    result = cli("schema", "rules")
    assert json.loads(result.out) == schema("rules")
    assert cli("schema", "rule").code == 2


def test_schema_rejects_what_check_rejects():
    validator = jsonschema.Draft7Validator(schema("rules"))
    rule = {
        "id": "a-rule",
        "title": "t",
        "kind": "info",
        "when": {"all": ["magi > 1"]},
        "then": {"advice": "a"},
        "because": "b",
        "sources": ["irc-408a-c-3"],
    }
    assert validator.is_valid({"rules": [rule]})
    assert not validator.is_valid({"rules": [dict(rule, tittle="x")]})  # unknown key
    assert not validator.is_valid({"rules": [dict(rule, id="A_Rule")]})  # not kebab-case
    assert not validator.is_valid({"rules": [dict(rule, kind="warn")]})  # unknown kind
    assert not validator.is_valid({"rules": [dict(rule, when={"every": []})]})  # unknown group
    assert not validator.is_valid({"rules": [dict(rule, sources=[])]})  # no source


def test_write_regenerates_the_schemas(tmp_path, cli):
    result = cli("schema", "--write", tmp_path)
    assert result.code == 0
    assert (tmp_path / "rules.schema.json").read_text() == dump(schema("rules"))
