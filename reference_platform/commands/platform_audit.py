"""``kiosk platform audit``: applications, payments and anything counted twice."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

COMMAND = ("platform", "audit")
HELP = "count applications, payments and charges per order; report duplicate submissions and double charges"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", required=True, help="the reference platform's SQLite database")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")


def run(args: argparse.Namespace) -> int:
    if not Path(args.db).is_file():
        print(f"{args.db}: no such database", file=sys.stderr)
        return 2
    from reference_platform.audit import audit

    report = audit(args.db)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True))
    else:
        print(f"applications: {report['applications']} ({report['applications_from_kiosks']} from kiosks)")
        print(f"orders: {report['orders']} {report['orders_by_status']}")
        print(f"payments: {report['payments']}, refunds: {report['refunds']}")
        print(f"duplicate submissions: {len(report['duplicate_submissions'])}")
        print(f"double charges: {len(report['double_charges'])}, bills paid twice: {len(report['bills_paid_twice'])}")
        print("OK" if report["ok"] else "PROBLEMS FOUND")
    return 0 if report["ok"] else 1
