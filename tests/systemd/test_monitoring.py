"""The shipped alert rules and fleet dashboard: valid for Prometheus and Grafana, and naming only
series the kiosk exports (an alert on a misspelt series never fires, silently)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from drivers.base import DeviceState, DeviceStatusChanged, MediaStatus
from kiosk.devices.board import DeviceBoard
from kiosk.ops.metrics import KioskMetrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "systemd" / "monitoring" / "kiosk-alerts.yml"
DASHBOARD = ROOT / "systemd" / "monitoring" / "kiosk-fleet-dashboard.json"
PROMETHEUS_OWN = {"up"}
"""Series Prometheus makes itself for every scrape target."""


@pytest.fixture(scope="module")
def promtool() -> str:
    path = shutil.which("promtool")
    assert path, "promtool missing: Debian's prometheus package provides it (scripts/bootstrap.sh installs it)"
    return path


def exported_series() -> set[str]:
    """Every sample name a kiosk's endpoint can show (devices with media so the media series exist)."""
    board = DeviceBoard()
    board.handle(DeviceStatusChanged("printer", DeviceState.ONLINE, MediaStatus.OK))
    m = KioskMetrics("0.1.0", "k1", board)
    m.visits.labels("timeout").inc()
    m.errors.labels("services.outbox").inc()
    return {s.name for family in m.registry.collect() for s in family.samples}


def rule_expressions() -> list[str]:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [r["expr"] for g in doc["groups"] for r in g["rules"]]


def dashboard_expressions() -> list[str]:
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dash["panels"] for t in p["targets"]]
    exprs += [v["definition"] for v in dash["templating"]["list"] if v.get("definition")]
    return exprs


def series_named(expr: str) -> set[str]:
    return set(re.findall(r"\b(kiosk_[a-z0-9_]+|up)\b", expr)) - {"kiosk_id"}


def test_promtool_accepts_the_rules(promtool: str) -> None:
    res = subprocess.run([promtool, "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "SUCCESS: 10 rules found" in res.stdout


ALERT_CASES = {
    # alert: (series, values that fire it, when it must be firing, healthy values that never fire it)
    "KioskDown": ('up{job="kiosk", instance="k1"}', "0x10", "6m", "1x20"),
    "KioskDeviceError": ('kiosk_device_state{instance="k1", device="printer", state="user_error"}', "1x10", "6m",
                         "0x20"),
    "KioskDeviceOffline": ('kiosk_device_state{instance="k1", device="scanner", state="offline"}', "1x20", "11m",
                           "0x20"),
    "KioskPaperNearEnd": ('kiosk_paper_state{instance="k1", state="near_end"}', "1x20", "11m", "0x20"),
    "KioskPaperOut": ('kiosk_paper_state{instance="k1", state="out"}', "1x10", "3m", "0x20"),
    "KioskUnsentBacklogAgeing": ('kiosk_oldest_unsent_age_seconds{instance="k1"}', "4000+60x20", "11m",
                                 "0+30x20"),
    "KioskPaymentsPaused": ('kiosk_payments_paused{instance="k1"}', "1x20", "11m", "0x20"),
    "KioskDiskLow": ('kiosk_free_disk_bytes{instance="k1"}', "100000000x20", "16m", "8000000000x20"),
    "KioskRolledBack": ('kiosk_image_rolled_back{instance="k1"}', "1x5", "1m", "0x20"),
    "KioskPlatformUnreachable": ('kiosk_platform_reachable{instance="k1"}', "0x20", "16m", "1x20"),
}


def test_each_alert_fires_on_its_condition_and_not_on_health(promtool: str, tmp_path: Path) -> None:
    """``promtool test rules``: each alert fires on its series, and stays quiet on healthy values."""
    tests = []
    for alert, (series, values, at, healthy) in ALERT_CASES.items():
        tests.append({"interval": "1m", "input_series": [{"series": series, "values": values}],
                      "alert_rule_test": [{"eval_time": at, "alertname": alert,
                                           "exp_alerts": [_expected(series, alert)]}]})
        tests.append({"interval": "1m", "input_series": [{"series": series, "values": healthy}],
                      "alert_rule_test": [{"eval_time": "16m", "alertname": alert, "exp_alerts": []}]})
    spec = tmp_path / "alerts.test.yml"
    spec.write_text(yaml.safe_dump({"rule_files": [str(RULES)], "evaluation_interval": "1m", "tests": tests}),
                    encoding="utf-8")
    res = subprocess.run([promtool, "test", "rules", str(spec)], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stdout + res.stderr


def _expected(series: str, alert: str) -> dict[str, dict[str, str]]:
    """The alert's labels and its annotations with ``{{ $labels.x }}`` filled in from the series."""
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    rule = next(r for g in doc["groups"] for r in g["rules"] if r.get("alert") == alert)
    labels = dict(re.findall(r'(\w+)="([^"]*)"', series))
    notes = {k: re.sub(r"\{\{ \$labels\.(\w+) \}\}", lambda m: labels[m.group(1)], v)
             for k, v in rule.get("annotations", {}).items()}
    return {"exp_labels": {**labels, **rule.get("labels", {})}, "exp_annotations": notes}


def test_every_alert_has_a_case() -> None:
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert {r["alert"] for g in doc["groups"] for r in g["rules"]} == set(ALERT_CASES)


@pytest.mark.parametrize("source", ["rules", "dashboard"])
def test_only_exported_series_are_named(source: str) -> None:
    exprs = rule_expressions() if source == "rules" else dashboard_expressions()
    named = set().union(*(series_named(e) for e in exprs))
    unknown = named - exported_series() - PROMETHEUS_OWN
    assert not unknown, f"{source} name series the kiosk does not export: {sorted(unknown)}"
    assert len(named) >= 8


def test_the_dashboard_is_a_grafana_dashboard() -> None:
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dash["uid"] and dash["title"] and isinstance(dash["schemaVersion"], int)
    ids = [p["id"] for p in dash["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dash["panels"]:
        assert panel["targets"] and all(t["expr"].strip() for t in panel["targets"]), panel["title"]
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
