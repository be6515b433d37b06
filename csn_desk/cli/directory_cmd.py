"""``csn-desk directory import FILE [--dry-run]``, ``directory export --format oruk-json|csv
--out F`` and ``directory review``.

The import prints the validation report (record ids and field names; the directory holds no
personal data) and exits 1 when the file was refused, or when records had errors and
nothing was (or, with ``--dry-run``, would be) added or changed; 0 otherwise. A CSV is
read with its columns matched by name (see ``csv_columns``); ``--map ours=Theirs`` matches
one by hand."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from csn_desk.cli.common import UsageError, add_common, open_workspace, out_file
from csn_desk.directory.csv_columns import BY_NAME, guess_mapping
from csn_desk.directory.csv_mapping import parse_table
from csn_desk.directory.export import FORMATS, export_directory
from csn_desk.directory.import_report import ImportReport
from csn_desk.directory.oruk_import import import_file, is_csv
from csn_desk.directory.review import review_list
from csn_desk.directory.safe_read import FileRefused, read_limited


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    p = sub.add_parser("directory", help="import, export and review the service directory")
    inner = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    imp = inner.add_parser("import", help="import an Open Referral UK JSON file or a CSV")
    imp.add_argument("file", type=Path, help="the .json or .csv file")
    imp.add_argument("--dry-run", action="store_true",
                     help="check the file and say what would change; write nothing")
    imp.add_argument("--strict", action="store_true",
                     help="import nothing if any record has an error (default: import the "
                          "valid records)")
    imp.add_argument("--map", action="append", default=[], metavar="OURS=THEIRS",
                     help="CSV only: read our column OURS from their column THEIRS")
    add_common(imp)
    imp.set_defaults(func=run_import)

    exp = inner.add_parser("export", help="export the whole directory")
    exp.add_argument("--format", required=True, choices=FORMATS)
    exp.add_argument("--out", required=True, type=out_file, help="the file to write")
    add_common(exp)
    exp.set_defaults(func=run_export)

    rev = inner.add_parser("review", help="entries that need checking, with the reasons")
    add_common(rev)
    rev.set_defaults(func=run_review)


def _mapping(args: argparse.Namespace) -> dict[str, str] | None:
    if not is_csv(args.file):
        if args.map:
            raise UsageError("--map is for CSV files only.")
        return None
    try:
        headers = list(parse_table(read_limited(args.file)).headers)
    except FileRefused:
        return None  # the import reports why
    mapping = guess_mapping(headers)
    for item in args.map:
        ours, sep, theirs = item.partition("=")
        if not sep or ours not in BY_NAME:
            raise UsageError(f"--map takes OURS=THEIRS, with OURS one of our columns: "
                             f"{', '.join(BY_NAME)}.")
        if theirs not in headers:
            raise UsageError(f"The file has no column called {theirs!r}.")
        mapping = {k: v for k, v in mapping.items() if v != theirs}
        mapping[ours] = theirs
    return mapping


def print_report(report: ImportReport) -> None:
    for line in report.lines():
        print(line)


def run_import(args: argparse.Namespace) -> int:
    mapping = _mapping(args)
    with open_workspace(args) as ws:
        report = import_file(ws, args.file, dry_run=args.dry_run, valid_only=not args.strict,
                             mapping=mapping)
    print_report(report)
    if report.refused:
        return 1
    s, o = report.service_counts, report.organisation_counts
    changes = s.created + s.updated + o.created + o.updated
    if report.errors and not changes:
        return 1
    if args.dry_run:
        return 0 if report.anything_to_import else 1
    return 0 if report.written else 1


def run_export(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        result = export_directory(ws, args.format, args.out)
    print(result.sentence())
    return 0


def run_review(args: argparse.Namespace) -> int:
    with open_workspace(args) as ws:
        items = review_list(ws)
    for item in items:
        print(f"{item.service_id}\t{item.name}\t{','.join(item.codes)}")
        for reason in item.reasons:
            print(f"\t{reason}")
    print(f"{len(items):,} entr{'ies' if len(items) != 1 else 'y'} to review.",
          file=sys.stderr if items else sys.stdout)
    return 0
