"""`kiosk platform audit` finds duplicates; docs/openapi.json is current; seed numbers are valid."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from stdnum.cn import ric

from kiosk import cli
from kiosk.platform.contract import paths
from reference_platform.commands import platform_openapi
from reference_platform.seed.persons import CITIZENS

from .helpers import citizen, identify

REPO = Path(__file__).resolve().parents[2]


def _submit(api, token, key, phone="13900001111"):
    number, name = citizen("P003")
    body = {
        "service_code": "440100-HJ-0802",
        "person_token": token,
        "form": {"name": name, "id_number": number, "phone": phone, "purpose": "就业"},
        "materials": [{"name": "照片", "data_base64": base64.b64encode(b"\xff\xd8 material").decode()}],
    }
    return api.post(paths.APPLICATIONS, body, key=key)


def test_audit_reports_counts_and_duplicates(api, platform, capsys):
    token = identify(api, *citizen("P003"))
    first = _submit(api, token, "app-key-1")
    assert _submit(api, token, "app-key-1").json() == first.json()  # replay: no second case
    assert cli.main(["platform", "audit", "--db", platform.db_path, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["duplicate_submissions"] == []
    assert report["applications_from_kiosks"] == 1
    assert report["payments"] == 2 and report["charges_per_order"]["O-SEED-1"] == 1
    # The same content under a new key is a second case: the audit must flag it.
    second = _submit(api, token, "app-key-2")
    assert second.json()["case_no"] != first.json()["case_no"]
    assert cli.main(["platform", "audit", "--db", platform.db_path, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert report["duplicate_submissions"] == [
        {"kind": "same_content", "cases": sorted([first.json()["case_no"], second.json()["case_no"]])}
    ]


def test_audit_of_missing_database(tmp_path, capsys):
    assert cli.main(["platform", "audit", "--db", str(tmp_path / "none.db")]) == 2


def test_openapi_document_is_current_and_complete():
    committed = (REPO / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == platform_openapi.render(), "docs/openapi.json is stale: run `kiosk platform openapi`"
    doc = json.loads(committed)
    assert doc["openapi"].startswith("3.")
    templates = [v for k, v in vars(paths).items() if k.isupper() and isinstance(v, str) and v.startswith("/")]
    templates = [t for t in templates if t not in (paths.V1, paths.DEMO_PAY)]
    assert templates and set(templates) <= set(doc["paths"])
    assert paths.DEMO_PAY not in doc["paths"], "the contract is the production platform's: no demo routes"
    pay = doc["paths"][paths.ORDER_PAY]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in pay["parameters"])
    assert "application/problem+json" in pay["responses"]["409"]["content"]


def test_seeded_numbers_have_valid_check_digits():
    kinds = {c.card_type for c in CITIZENS}
    assert kinds == {"resident", "hmt_residence_permit", "foreign_permanent_new", "foreign_permanent_old"}
    assert len(CITIZENS) >= 10
    for c in CITIZENS:
        if c.card_type == "foreign_permanent_old":
            assert len(c.id_number) == 15 and c.id_number[:3].isalpha()
            continue
        assert len(c.id_number) == 18 and ric.calc_check_digit(c.id_number) == c.id_number[-1]
        if c.card_type == "resident":
            assert ric.is_valid(c.id_number)
        if c.card_type == "hmt_residence_permit":
            assert c.id_number[:2] in ("81", "82", "83")
        if c.card_type == "foreign_permanent_new":
            assert c.id_number.startswith("9")
