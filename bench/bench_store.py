"""Store benchmarks: encrypted vs plain on a mixed workload, saving an enquiry, unlocking."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.data import PASSPHRASE, connect_plain, plain_copy
from bench.harness import Result, summarise, time_ms
from csn_desk.accounts import sign_in
from csn_desk.enquiries import EnquiryDraft, NeedInput, save_enquiry
from csn_desk.ids import new_id
from csn_desk.referrals import ReferralDraft
from csn_desk.workspace import Workspace


def _service_ids(con: Any, n: int = 200) -> list[str]:
    return [r[0] for r in con.execute("SELECT id FROM service LIMIT ?", (n,)).fetchall()]


def _enquiry_ids(con: Any, n: int = 2000) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT id FROM enquiry ORDER BY random() LIMIT ?", (n,)).fetchall()]


def mixed_workload(con: Any, rng: random.Random, org: str, site: str, services: list[str],
                   enquiry_ids: list[str]) -> None:
    """One counter interaction's worth of SQL: write an enquiry with needs and a referral,
    then the reads a busy screen does (lookups, a month count, a follow-up list page)."""
    eid, rid = new_id(), new_id()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    con.execute("BEGIN IMMEDIATE")
    con.execute("INSERT INTO enquiry (id, organisation_id, site_id, received_at, channel, "
                "enquirer_type, notes, status) VALUES (?, ?, ?, ?, 'walk_in', 'self', '', "
                "'open')", (eid, org, site, now))
    con.executemany("INSERT INTO enquiry_need (id, enquiry_id, need_code, outcome) "
                    "VALUES (?, ?, ?, 'open')", [(new_id(), eid, "transport"),
                                                 (new_id(), eid, "digital")])
    con.execute("INSERT INTO referral (id, enquiry_id, service_id, kind, consent_to_share, "
                "created_at) VALUES (?, ?, ?, 'signposted', 0, ?)",
                (rid, eid, rng.choice(services), now))
    con.execute("UPDATE enquiry SET status = 'closed' WHERE id = ?", (rng.choice(enquiry_ids),))
    con.execute("COMMIT")
    for _ in range(5):
        con.execute("SELECT * FROM enquiry WHERE id = ?", (rng.choice(enquiry_ids),)).fetchall()
    month = (datetime.now(UTC) - timedelta(days=rng.randint(0, 500))).strftime("%Y-%m")
    con.execute("SELECT count(*) FROM enquiry WHERE received_at >= ? AND received_at < ?",
                (f"{month}-01", f"{month}-32")).fetchall()
    con.execute("SELECT r.id FROM referral r JOIN enquiry e ON e.id = r.enquiry_id "
                "WHERE r.follow_up_due <= ? ORDER BY r.follow_up_due DESC LIMIT 50",
                (month + "-15",)).fetchall()


def run(ws: Workspace, tmp: Path, runs: int) -> list[Result]:
    results = []
    plain_path = plain_copy(ws, tmp / "plain.db")
    plain = connect_plain(plain_path)
    raw = ws.db.engine.raw_connection()
    enc: Any = raw.driver_connection
    try:
        services = _service_ids(enc)
        enquiry_ids = _enquiry_ids(enc)

        def workload(con: Any, seed: int) -> list[float]:
            rng = random.Random(seed)
            return time_ms(lambda: mixed_workload(con, rng, ws.organisation_id, ws.site_id,
                                                  services, enquiry_ids), runs)

        # Interleave rounds so drift in the machine's load affects both sides alike.
        enc_s: list[float] = []
        plain_s: list[float] = []
        for round_ in range(3):
            enc_s += workload(enc, round_)
            plain_s += workload(plain, round_)
        results.append(summarise("encrypted store, mixed workload", enc_s, "<= 1.25x plain",
                                 baseline=plain_s))

        # Saving an enquiry through the service (row + change log + audit) vs plain inserts.
        svc = services[0]

        def save() -> None:
            save_enquiry(ws, EnquiryDraft(channel="walk_in", enquirer_type="self",
                                          needs=(NeedInput("transport"), NeedInput("digital")),
                                          postcode_district="DL1", age_band="80_plus",
                                          notes="benchmark"),
                         [ReferralDraft(kind="signposted", service_id=svc)])

        def plain_insert() -> None:
            eid, rid = new_id(), new_id()
            now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            plain.execute("BEGIN IMMEDIATE")
            plain.execute("INSERT INTO enquiry (id, organisation_id, site_id, received_at, "
                          "channel, enquirer_type, notes, status, age_band, postcode_district) "
                          "VALUES (?, ?, ?, ?, 'walk_in', 'self', 'benchmark', 'open', "
                          "'80_plus', 'DL1')", (eid, ws.organisation_id, ws.site_id, now))
            plain.executemany("INSERT INTO enquiry_need (id, enquiry_id, need_code, outcome) "
                              "VALUES (?, ?, ?, 'open')",
                              [(new_id(), eid, "transport"), (new_id(), eid, "digital")])
            plain.execute("INSERT INTO referral (id, enquiry_id, service_id, kind, "
                          "consent_to_share, created_at) VALUES (?, ?, ?, 'signposted', 0, ?)",
                          (rid, eid, svc, now))
            plain.execute("INSERT INTO referral_event (id, referral_id, status, note, at) "
                          "VALUES (?, ?, 'made', '', ?)", (new_id(), rid, now))
            plain.execute("COMMIT")

        results.append(summarise("save enquiry (2 needs, 1 referral)", time_ms(save, runs * 2),
                                 "p95 < 15 ms", baseline=time_ms(plain_insert, runs * 2)))
    finally:
        raw.close()
        plain.close()

    data_dir = ws.db.paths.root
    unlock = time_ms(lambda: sign_in(data_dir, "bench", PASSPHRASE).close(), max(5, runs // 10),
                     warmup=1)
    results.append(summarise("unlock (Argon2id + open + sign-in)", unlock, "< 1000 ms"))
    return results
