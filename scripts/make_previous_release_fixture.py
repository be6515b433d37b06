"""Make tests/fixtures/previous-release/: a data directory as an older csn-desk left it.

The database is migrated only up to PREVIOUS (revision "0004", the schema of the release
before the directory upkeep, tallies and sync migrations) and filled through raw SQL that is
valid for that schema, so it never depends on today's models. Everything in it is fictional
(names from the demo's style, Example Street, 01632 960xxx numbers, example.org). It is
locked with the tests' passphrase (tests/conftest.py PASSPHRASE) and the tests' cheap KDF, so
the upgrade test signs in quickly.

Run from the checkout (it refuses to overwrite an existing fixture unless --force):
    .venv/bin/python scripts/make_previous_release_fixture.py [--force]
The upgrade test is tests/store/test_upgrade_from_previous_release.py; EXPECTED below is what it
checks after the upgrade.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from csn_desk.documents.templates import template_id  # noqa: E402
from csn_desk.store import migrate  # noqa: E402
from csn_desk.store.engine import make_engine  # noqa: E402
from csn_desk.store.keys import KdfParams, KeyFile, new_db_key, new_recovery_key  # noqa: E402
from csn_desk.store.paths import DataPaths  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "previous-release"
PREVIOUS = "0004"
USERNAME = "admin"
PASSPHRASE = "amber-kettle-orchard-42"  # tests/conftest.py PASSPHRASE
CHEAP_KDF = KdfParams(iterations=1, lanes=1, memory_kib=1024)  # tests/conftest.py FAST_KDF

# Fixed ids so the test can look rows up (UUID-shaped like the app's, obviously made up).
ORG = "00000000-0000-7000-8000-000000000001"
PARTNER = "00000000-0000-7000-8000-000000000002"
SITE = "00000000-0000-7000-8000-000000000003"
USER = "00000000-0000-7000-8000-000000000004"
SERVICES = [f"00000000-0000-7000-8000-0000000001{i:02d}" for i in (1, 2)]
CLIENTS = [f"00000000-0000-7000-8000-0000000002{i:02d}" for i in (1, 2, 3)]
ENQUIRIES = [f"00000000-0000-7000-8000-0000000003{i:02d}" for i in (1, 2, 3)]
REFERRALS = [f"00000000-0000-7000-8000-0000000004{i:02d}" for i in (1, 2)]

# What the upgrade test checks: rows per table, and a few fields.
EXPECTED_COUNTS = {"organisation": 2, "site": 1, "user": 1, "service": 2, "client": 3,
                   "consent": 2, "enquiry": 3, "enquiry_need": 5, "referral": 2,
                   "referral_event": 3, "letter_template": 1, "document": 1}

STATEMENTS: list[tuple[str, dict[str, object]]] = [
    ("INSERT INTO organisation (id, name, description, phone, is_member, needs_checking) "
     "VALUES (:id, 'Fictional Community Support Network', 'Our own organisation', "
     "'01632 960001', 1, 0)", {"id": ORG}),
    ("INSERT INTO organisation (id, name, description, url, is_member, needs_checking) "
     "VALUES (:id, 'Example Street Befriending Circle', 'Weekly visits and phone calls', "
     "'https://befriending.example.org', 0, 0)", {"id": PARTNER}),
    ("INSERT INTO site (id, name, organisation_id, created_at, address_line1, post_town, "
     "postcode) VALUES (:id, 'Example Street Counter', :org, '2025-01-06 09:00:00.000000', "
     "'1 Example Street', 'Darlington', 'DL1 1AA')", {"id": SITE, "org": ORG}),
    ("INSERT INTO user (id, site_id, username, display_name, role, active, created_at) "
     "VALUES (:id, :site, 'admin', 'Ada Example', 'admin', 1, '2025-01-06 09:00:00.000000')",
     {"id": USER, "site": SITE}),
    ("INSERT INTO local_setting (key, value) VALUES ('site_id', :site), "
     "('organisation_id', :org)", {"site": SITE, "org": ORG}),
    ("INSERT INTO service (id, organisation_id, name, description, status, phone, "
     "needs_checking) VALUES (:id, :org, 'Tuesday lunch club', 'A hot meal and company', "
     "'active', '01632 960111', 0)", {"id": SERVICES[0], "org": PARTNER}),
    ("INSERT INTO service (id, organisation_id, name, description, status, phone, "
     "needs_checking) VALUES (:id, :org, 'Befriending visits', 'A volunteer visits weekly', "
     "'active', '01632 960112', 1)", {"id": SERVICES[1], "org": PARTNER}),
    ("INSERT INTO service_taxonomy (id, service_id, vocabulary, term_code) VALUES "
     "('00000000-0000-7000-8000-000000000501', :a, 'csn-need', 'clubs_groups'), "
     "('00000000-0000-7000-8000-000000000502', :b, 'csn-need', 'personal_support')",
     {"a": SERVICES[0], "b": SERVICES[1]}),
]

CLIENT_ROWS = [  # id, given, family, postcode, format, carer status
    (CLIENTS[0], "Ada", "Thistlewood", "DL1 1AA", "large18", None),
    (CLIENTS[1], "Bertram", "Quillfeather", "DL3 0ZZ", "standard", "unpaid_carer"),
    (CLIENTS[2], "Cordelia", "Marchbanks", None, "easy_read", None),
]
for cid, given, family, postcode, fmt, carer in CLIENT_ROWS:
    STATEMENTS.append((
        "INSERT INTO client (id, organisation_id, given_name, family_name, postcode, "
        "address_line1, post_town, phone, preferred_contact, preferred_format, carer_status, "
        "restricted, family_key, given_key, created_at) VALUES (:id, :org, :given, :family, "
        ":postcode, '2 Example Street', 'Darlington', '01632 960222', 'letter', :fmt, "
        ":carer, 0, :fkey, :gkey, '2025-02-03 10:15:00.000000')",
        {"id": cid, "org": ORG, "given": given, "family": family, "postcode": postcode,
         "fmt": fmt, "carer": carer, "fkey": family.lower(), "gkey": given.lower()}))
STATEMENTS += [
    ("INSERT INTO consent (id, client_id, purpose, given, method, taken_by_user_id, "
     "recorded_at) VALUES ('00000000-0000-7000-8000-000000000601', :c, 'share_referral', "
     "1, 'in_person', :u, '2025-02-03 10:20:00.000000'), ('00000000-0000-7000-8000-000000000602', "
     ":c, 'contact_followup', 1, 'in_person', :u, '2025-02-03 10:20:00.000000')",
     {"c": CLIENTS[0], "u": USER}),
]
ENQUIRY_ROWS = [  # id, client, channel, district, notes, needs (code, outcome)
    (ENQUIRIES[0], CLIENTS[0], "walk_in", "DL1", "Asked about lunch clubs nearby",
     [("clubs_groups", "met"), ("personal_support", "partly_met")]),
    (ENQUIRIES[1], CLIENTS[1], "phone", "DL3", "Needs a lift to hospital appointments",
     [("transport", "unmet")]),
    (ENQUIRIES[2], None, "walk_in", "DL1", "Anonymous: help with a form",
     [("digital", "met"), ("money_benefits", "open")]),
]
for n, (eid, cid, channel, district, notes, needs) in enumerate(ENQUIRY_ROWS):
    STATEMENTS.append((
        "INSERT INTO enquiry (id, organisation_id, site_id, user_id, received_at, channel, "
        "enquirer_type, client_id, postcode_district, notes, time_spent_minutes, status) "
        "VALUES (:id, :org, :site, :user, :at, :channel, 'self', :client, :district, :notes, "
        "15, 'open')",
        {"id": eid, "org": ORG, "site": SITE, "user": USER, "channel": channel, "client": cid,
         "at": f"2025-02-{3 + n:02d} 10:30:00.000000", "district": district, "notes": notes}))
    for m, (code, outcome) in enumerate(needs):
        STATEMENTS.append((
            "INSERT INTO enquiry_need (id, enquiry_id, need_code, outcome, unmet_reason) "
            "VALUES (:id, :e, :code, :outcome, :reason)",
            {"id": f"00000000-0000-7000-8000-0000000007{n}{m}", "e": eid, "code": code,
             "outcome": outcome, "reason": "no_service" if outcome == "unmet" else None}))
STATEMENTS += [
    ("INSERT INTO referral (id, enquiry_id, service_id, kind, consent_to_share, follow_up_due, "
     "created_at) VALUES (:id, :e, :s, 'referred', 1, '2025-02-17', "
     "'2025-02-03 10:40:00.000000')", {"id": REFERRALS[0], "e": ENQUIRIES[0], "s": SERVICES[1]}),
    ("INSERT INTO referral (id, enquiry_id, external_service, kind, consent_to_share, "
     "follow_up_due, created_at) VALUES (:id, :e, 'Example Street Library computer help', "
     "'signposted', 0, '2025-02-19', '2025-02-05 11:00:00.000000')",
     {"id": REFERRALS[1], "e": ENQUIRIES[2]}),
    ("INSERT INTO referral_event (id, referral_id, status, note, at, user_id, site_id) VALUES "
     "('00000000-0000-7000-8000-000000000801', :r1, 'made', '', "
     "'2025-02-03 10:40:00.000000', :u, :site), "
     "('00000000-0000-7000-8000-000000000802', :r1, 'started', 'First visit booked', "
     "'2025-02-17 14:00:00.000000', :u, :site), "
     "('00000000-0000-7000-8000-000000000803', :r2, 'made', '', "
     "'2025-02-05 11:00:00.000000', :u, :site)",
     {"r1": REFERRALS[0], "r2": REFERRALS[1], "u": USER, "site": SITE}),
    ("INSERT INTO letter_template (id, organisation_id, kind, subject, body, updated_at, "
     "updated_by) VALUES (:id, :org, 'followup_letter', "
     "'How did it go?', 'Dear {name},\nWe hope the service helped.', "
     "'2025-02-10 09:00:00.000000', :u)",
     {"id": template_id(ORG, "followup_letter"), "org": ORG, "u": USER}),
    ("INSERT INTO document (id, kind, client_id, enquiry_id, format, created_at, user_id, "
     "site_id, pages) VALUES ('00000000-0000-7000-8000-000000000902', 'referral_slip', :c, :e, "
     "'large18', '2025-02-03 10:45:00.000000', :u, :site, 1)",
     {"c": CLIENTS[0], "e": ENQUIRIES[0], "u": USER, "site": SITE}),
]


def make(target: Path) -> None:
    paths = DataPaths(target)
    target.mkdir(parents=True)
    key = new_db_key()
    engine = make_engine(paths.database, key)
    try:
        migrate.upgrade(engine, PREVIOUS)
        with engine.begin() as conn:
            for sql, params in STATEMENTS:
                conn.execute(text(sql), params)
            counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                      for t in EXPECTED_COUNTS}
        assert counts == EXPECTED_COUNTS, counts
        with engine.connect() as conn:  # everything into the main file: no -wal to commit
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()
    for extra in paths.sidecar_files()[1:]:
        extra.unlink(missing_ok=True)
    KeyFile.create(paths.key_file, key, USERNAME, PASSPHRASE, new_recovery_key(), CHEAP_KDF)


def main() -> int:
    parser = argparse.ArgumentParser(description="Write tests/fixtures/previous-release/.")
    parser.add_argument("--force", action="store_true", help="replace an existing fixture")
    args = parser.parse_args()
    if FIXTURE.exists():
        if not args.force:
            print(f"{FIXTURE} exists; use --force to replace it.", file=sys.stderr)
            return 1
        shutil.rmtree(FIXTURE)
    make(FIXTURE)
    size = sum(f.stat().st_size for f in FIXTURE.iterdir())
    print(f"Wrote {FIXTURE.relative_to(ROOT)} at revision {PREVIOUS} ({size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
