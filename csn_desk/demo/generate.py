"""Generating the fictional demo data set, fast enough for a million enquiries.

Small things (the site, the organisation, its users) go through the one write path. The bulk
(directory, clients, enquiries, needs, referrals, events) is inserted with plain executemany
in chunked transactions: going through the change log would add tens of millions of rows that
a demo database never syncs. Demo databases are marked as such and are never published.

Deterministic: the same seed and anchor date give the same records, ids included."""

from __future__ import annotations

import bisect
import itertools
import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from csn_desk.accounts import initialise
from csn_desk.demo import DEMO_ORGANISATION, DEMO_PASSPHRASE, DEMO_SITE, DEMO_USERNAME
from csn_desk.ids import utcnow
from csn_desk.store.keys import KdfParams
from csn_desk.store.models import Site
from csn_desk.vocab import resources_dir, vocab
from csn_desk.workspace import Workspace

Progress = Callable[[str, int, int], None]
CHUNK = 20_000
DAYS_OF_HISTORY = 548  # 18 months


@cache
def words() -> dict[str, Any]:
    return json.loads((resources_dir() / "demo" / "fictional.json").read_text(encoding="utf-8"))


@dataclass
class DemoSummary:
    sites: int = 0
    organisations: int = 0
    services: int = 0
    clients: int = 0
    enquiries: int = 0
    needs: int = 0
    referrals: int = 0
    events: int = 0
    samples: dict[str, list[str]] = field(default_factory=dict)  # for the leak tests


class _Ids:
    """UUIDv7-shaped ids from a seeded RNG: sortable by time, reproducible for a seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def at(self, when: datetime) -> str:
        ms = int(when.timestamp() * 1000) & ((1 << 48) - 1)
        rand = self.rng.getrandbits(74)
        value = (ms << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (
            rand & ((1 << 62) - 1))
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _ts(when: datetime) -> str:
    """The text form SQLAlchemy stores for a UTC datetime (``when`` is already UTC)."""
    return when.replace(tzinfo=None).isoformat(" ", "microseconds")


class _Pick:
    """Weighted choice with precomputed cumulative weights (much faster than choices())."""

    def __init__(self, rng: random.Random, items: list[Any], weights: list[float]) -> None:
        self.rng, self.items = rng, items
        self.cum = list(itertools.accumulate(weights))
        self.total = self.cum[-1]

    def __call__(self) -> Any:
        return self.items[bisect.bisect_right(self.cum, self.rng.random() * self.total)]


def _age_band(age: int) -> str:
    for limit, band in ((18, "under_18"), (35, "18_34"), (50, "35_49"), (65, "50_64"),
                        (80, "65_79")):
        if age < limit:
            return band
    return "80_plus"


def create_demo(data_dir: Path, *, enquiries: int, seed: int = 1,
                organisation: str = DEMO_ORGANISATION, admin: str = DEMO_USERNAME,
                passphrase: str = DEMO_PASSPHRASE, anchor: date | None = None,
                kdf: KdfParams | None = None,
                progress: Progress | None = None) -> tuple[Workspace, DemoSummary]:
    """A new data directory full of fictional data; returns the signed-in admin workspace."""
    ws, _recovery = initialise(data_dir, site_name=DEMO_SITE, organisation_name=organisation,
                               admin_username=admin, passphrase=passphrase,
                               admin_display_name="Demo Administrator", kdf=kdf, demo=True,
                               check_strength=passphrase != DEMO_PASSPHRASE)
    try:
        summary = generate(ws, enquiries=enquiries, seed=seed, anchor=anchor, progress=progress)
    except BaseException:
        ws.close()
        raise
    return ws, summary


def generate(ws: Workspace, *, enquiries: int, seed: int = 1, anchor: date | None = None,
             services: int | None = None, clients: int | None = None,
             progress: Progress | None = None) -> DemoSummary:
    """Fill a workspace. Directory and client counts follow the enquiry count unless given
    (a million enquiries: 20,000 services and 200,000 clients, the benchmark sizes)."""
    n_services = services if services is not None else max(60, min(20_000, enquiries // 50))
    n_clients = clients if clients is not None else max(10, enquiries // 5)
    rng = random.Random(seed)
    ids = _Ids(rng)
    today = anchor or utcnow().date()
    end = datetime(today.year, today.month, today.day, 17, 0, tzinfo=UTC)
    start = end - timedelta(days=DAYS_OF_HISTORY)
    summary = DemoSummary()
    report = progress or (lambda _stage, _done, _total: None)

    site_ids = [ws.site_id]
    with ws.db.write(ws.actor) as w:
        # Letterheads: Example Street addresses and drama-range phone numbers (fictional).
        here = w.session.get(Site, ws.site_id)
        if here is not None:
            w.update(here, phone="01632 960000", address_line1="1 Example Street",
                     post_town="Darlington", postcode="DL1 1AA")
        for n, name in enumerate(("Demo Hub Office (fictional)",
                                  "Demo Outreach Desk (fictional)"), 1):
            site = Site(id=ids.at(start), name=name, organisation_id=ws.organisation_id,
                        phone=f"01632 96000{n}", address_line1=f"{n + 1} Example Street",
                        post_town="Darlington", postcode="DL1 1AA")
            site_ids.append(w.create(site).id)
        _load_starter(ws, w)
        w.event("demo:generate", detail=f"seed={seed};enquiries={enquiries}")
    summary.sites = len(site_ids)

    raw = ws.db.engine.raw_connection()
    try:
        con: Any = raw.driver_connection
        service_ids = _directory(con, rng, ids, start, n_services, summary, report)
        client_ids = _clients(con, rng, ids, ws, start, n_clients, summary, report)
        _consents(con, random.Random(seed * 7919 + 3), ws, client_ids, end, report)
        if enquiries:
            _enquiries(con, rng, ids, ws, site_ids, service_ids, client_ids, start, end,
                       enquiries, summary, report)
        # Merge the search index's segments after the bulk load (faster searches).
        con.execute("INSERT INTO service_search(service_search) VALUES ('optimize')")
        # Fresh statistics so the query planner knows the tables are now large.
        con.execute("PRAGMA analysis_limit = 1000")
        con.execute("ANALYZE")
    finally:
        raw.close()
    return summary


def _load_starter(ws: Workspace, w: Any) -> None:
    """The Darlington starter directory, when its loader is available."""
    try:
        from csn_desk.directory.starter import load_starter_into
    except ImportError:
        return
    load_starter_into(w, ws)


def _chunked_insert(con: Any, sql: str, rows: Iterator[tuple[Any, ...]], total: int,
                    stage: str, report: Progress) -> None:
    batch: list[tuple[Any, ...]] = []
    done = 0
    con.execute("BEGIN IMMEDIATE")
    try:
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK:
                con.executemany(sql, batch)
                done += len(batch)
                batch.clear()
                con.execute("COMMIT")
                report(stage, done, total)
                con.execute("BEGIN IMMEDIATE")
        if batch:
            con.executemany(sql, batch)
            done += len(batch)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    report(stage, done, total)


def _directory(con: Any, rng: random.Random, ids: _Ids, start: datetime, n_services: int,
               summary: DemoSummary, report: Progress) -> list[str]:
    """Generated organisations and services."""
    w = words()
    n_orgs = max(12, n_services * 2 // 5)
    codes = [c for c in vocab("needs").codes if c != "other"]
    org_ids = [ids.at(start) for _ in range(n_orgs)]
    org_rows = [(oid, f"{rng.choice(w['org_words_a'])} {rng.choice(w['org_words_b'])} "
                      f"{i + 1} (demo)", "A fictional organisation in the demo data set.",
                 0, 0) for i, oid in enumerate(org_ids)]
    con.execute("BEGIN IMMEDIATE")
    con.executemany("INSERT INTO organisation (id, name, description, is_member, needs_checking)"
                    " VALUES (?, ?, ?, ?, ?)", org_rows)
    con.execute("COMMIT")
    summary.organisations = n_orgs

    service_ids: list[str] = []

    def service_rows() -> Iterator[tuple[Any, ...]]:
        for i in range(n_services):
            sid = ids.at(start)
            service_ids.append(sid)
            code = codes[i % len(codes)] if i < len(codes) else rng.choice(codes)
            name = rng.choice(w["service_templates"][code])
            access = rng.choice(["drop-in", "appointment", "referral", "membership", None])
            min_age = rng.choice([None, None, None, 50, 55, 60, 65, 18])
            assured = (start + timedelta(days=rng.randint(0, DAYS_OF_HISTORY))).date()
            yield (sid, rng.choice(org_ids), f"{name} {i + 1}",
                   f"{vocab('needs').label(code)}: a fictional service in the demo data set.",
                   "active", access, min_age, assured.isoformat(), 0,
                   f"01632 960{i % 1000:03d}", f"https://example.org/demo-service-{i + 1}",
                   code)

    pending: list[tuple[Any, ...]] = []

    def split(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        for row in rows:
            pending.append((ids.at(start), row[0], row[-1]))
            yield row[:-1]

    _chunked_insert(con, "INSERT INTO service (id, organisation_id, name, description, status, "
                         "attending_access, minimum_age, assured_date, needs_checking, phone, "
                         "url) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    split(service_rows()), n_services, "directory", report)
    _chunked_insert(con, "INSERT INTO service_taxonomy (id, service_id, vocabulary, term_code) "
                         "VALUES (?, ?, 'csn-need', ?)", iter(pending), n_services,
                    "directory", report)

    def extras() -> Iterator[tuple[Any, ...]]:
        for sid in service_ids:
            for weekday in sorted(rng.sample(range(1, 6), rng.randint(1, 3))):
                yield ("regular_schedule", (ids.at(start), sid, weekday, "09:30:00.000000",
                                            rng.choice(["12:00:00.000000", "16:00:00.000000"])))
            cost = rng.random()
            if cost < 0.45:
                yield ("cost_option", (ids.at(start), sid, 0.0, "GBP", None))
            elif cost < 0.75:
                yield ("cost_option", (ids.at(start), sid, float(rng.choice([2, 3.5, 5, 11, 13])),
                                       "GBP", "per session"))
            if rng.random() < 0.5:
                for district in rng.sample(sorted(set(w["postcode_districts"])), 2):
                    yield ("service_area", (ids.at(start), sid, district))

    sql = {
        "regular_schedule": "INSERT INTO regular_schedule (id, service_id, weekday, opens_at, "
                            "closes_at) VALUES (?, ?, ?, ?, ?)",
        "cost_option": "INSERT INTO cost_option (id, service_id, amount, currency, option) "
                       "VALUES (?, ?, ?, ?, ?)",
        "service_area": "INSERT INTO service_area (id, service_id, postcode_district) "
                        "VALUES (?, ?, ?)",
    }
    grouped: dict[str, list[tuple[Any, ...]]] = {k: [] for k in sql}
    for table, row in extras():
        grouped[table].append(row)
    for table, rows in grouped.items():
        _chunked_insert(con, sql[table], iter(rows), len(rows), "directory", report)
    summary.services = n_services
    return service_ids


def _clients(con: Any, rng: random.Random, ids: _Ids, ws: Workspace, start: datetime,
             n_clients: int, summary: DemoSummary, report: Progress) -> list[str]:
    from csn_desk.names import make_client_keys

    w = words()
    client_ids: list[str] = []
    samples: dict[str, list[str]] = {"names": [], "postcodes": [], "phones": []}
    today = start.date() + timedelta(days=DAYS_OF_HISTORY)

    def rows() -> Iterator[tuple[Any, ...]]:
        for i in range(n_clients):
            cid = ids.at(start)
            client_ids.append(cid)
            given, family = rng.choice(w["given_names"]), rng.choice(w["family_names"])
            age = min(99, max(18, int(rng.gauss(74, 11))))
            dob = date(today.year - age, rng.randint(1, 12), rng.randint(1, 28))
            district = rng.choice(w["postcode_districts"])
            postcode = f"{district} 9Z{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
            phone = f"01632 960{rng.randint(0, 999):03d}"
            fmt = rng.choices(["standard", "large16", "large18", "large24"], [6, 2, 2, 1])[0]
            family_key, given_key = make_client_keys(given, family)
            if i < 50:
                samples["names"].append(f"{given} {family}")
                samples["postcodes"].append(postcode)
                samples["phones"].append(phone)
            yield (cid, ws.organisation_id, given, family, dob.isoformat(), _age_band(age),
                   postcode, f"{rng.randint(1, 120)} {rng.choice(w['streets'])}", "Darlington",
                   phone, rng.choice(["letter", "letter", "phone", "email"]), fmt,
                   family_key, given_key, _ts(start), 0, "consent")

    _chunked_insert(con, "INSERT INTO client (id, organisation_id, given_name, family_name, "
                         "date_of_birth, age_band, postcode, address_line1, post_town, phone, "
                         "preferred_contact, preferred_format, family_key, given_key, created_at,"
                         " restricted, lawful_basis) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows(), n_clients, "clients", report)
    summary.clients = n_clients
    summary.samples.update(samples)
    return client_ids


_CONSENT_NAMESPACE = uuid.UUID("6d1f0a52-3c4b-5e8f-9a7d-2b6c8e4f1a30")
# (purpose, share of demo clients who agreed): most agree; a few said no, so the app's
# consent checks show up in the demo too.
_DEMO_CONSENTS = (("keep_record", 1.0), ("contact_followup", 0.9), ("share_referral", 0.8))


def _consents(con: Any, rng: random.Random, ws: Workspace, clients: list[str], end: datetime,
              report: Progress) -> None:
    """Each demo client's consent decisions, taken at some visit in the last ten months and
    due for renewal a year later (so they are in force, a few due soon). A separate random
    stream and name-based ids, so adding them changed none of the other demo records."""
    from csn_desk.consents import default_renewal_date

    def rows() -> Iterator[tuple[Any, ...]]:
        for cid in clients:
            taken = end - timedelta(days=rng.randint(5, 300))
            for purpose, share in _DEMO_CONSENTS:
                yield (str(uuid.uuid5(_CONSENT_NAMESPACE, f"{cid}/{purpose}")), cid, purpose,
                       rng.random() < share, "in_person", ws.user.id, _ts(taken),
                       default_renewal_date(taken.date()).isoformat())

    _chunked_insert(con, "INSERT INTO consent (id, client_id, purpose, given, method, "
                         "taken_by_user_id, recorded_at, renewal_due) "
                         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows(), len(clients) * len(_DEMO_CONSENTS), "consents", report)


def _enquiries(con: Any, rng: random.Random, ids: _Ids, ws: Workspace, site_ids: list[str],
               services: list[str], clients: list[str], start: datetime, end: datetime,
               n: int, summary: DemoSummary, report: Progress) -> None:
    """Enquiries with their needs, referrals and events, one transaction per chunk so the
    children always follow their parents and an interrupted run keeps whole enquiries."""
    w = words()
    need_codes = vocab("needs").codes
    need = _Pick(rng, need_codes, [9, 6, 5, 6, 5, 3, 3, 2, 1, 1, 2, 5, 8, 4, 4, 2, 5, 3, 4, 1])
    n_needs = _Pick(rng, [1, 2, 3], [3, 5, 2])
    outcome_of = _Pick(rng, ["met", "partly_met", "unmet", "open"], [6, 2, 1, 1])
    channel = _Pick(rng, ["walk_in", "phone", "letter", "email", "outreach"], [6, 5, 1, 1, 1])
    enquirer = _Pick(rng, ["self", "family_carer", "professional"], [6, 3, 1])
    route = _Pick(rng, ["self_help", "supported", "la_assessment"], [5, 4, 1])
    band = _Pick(rng, ["50_64", "65_79", "80_plus", "35_49", "18_34", "unknown"],
                 [2, 5, 4, 1, 1, 1])
    n_refs = _Pick(rng, [0, 1, 2], [2, 6, 2])
    unmet = vocab("unmet_reasons").codes
    days = (end - start).days
    cutoff = end - timedelta(days=30)
    summary.samples["notes"] = [note for note in w["notes"] if note]
    # Generated in time order, so time-ordered ids and dates append to the indexes instead of
    # splitting pages all over a large tree (a million enquiries: minutes, not an hour).
    day_offsets = sorted(rng.randrange(days) for _ in range(n))
    cache_before = con.execute("PRAGMA cache_size").fetchone()[0]
    con.execute("PRAGMA cache_size = -131072")  # 128 MiB while bulk loading
    done = 0
    while done < n:
        size = min(CHUNK // 2, n - done)
        enq: list[tuple[Any, ...]] = []
        needs: list[tuple[Any, ...]] = []
        refs: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for offset in day_offsets[done:done + size]:
            day = start + timedelta(days=offset)
            if day.weekday() >= 5:  # counters are open on weekdays
                day -= timedelta(days=day.weekday() - 4)
            # 09:00-17:00 UK time is 08:00/09:00-16:00/17:00 UTC; 09:00-16:00 UTC is inside both
            when = day.replace(hour=9, minute=0) + timedelta(seconds=rng.randrange(7 * 3600))
            eid = ids.at(when)
            client = rng.choice(clients) if rng.random() < 0.45 else None
            for code in dict.fromkeys(need() for _k in range(n_needs())):
                outcome = outcome_of()
                reason = rng.choice(unmet) if outcome in ("unmet", "partly_met") else None
                needs.append((ids.at(when), eid, code, outcome, reason))
            for _r in range(n_refs()):
                _referral(rng, ids, eid, when, services, end, refs, events)
            enq.append((eid, ws.organisation_id, rng.choice(site_ids), ws.user.id, _ts(when),
                        channel(), enquirer(), client, band(),
                        rng.choice(w["postcode_districts"]), route(), rng.choice(w["notes"]),
                        rng.choice([5, 10, 15, 20, 30, 45, 60]),
                        "closed" if when < cutoff else "open"))
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany(_SQL_ENQUIRY, enq)
            con.executemany(_SQL_NEED, needs)
            con.executemany(_SQL_REFERRAL, refs)
            con.executemany(_SQL_EVENT, events)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        done += size
        summary.enquiries, summary.needs = done, summary.needs + len(needs)
        summary.referrals += len(refs)
        summary.events += len(events)
        report("enquiries", done, n)
    con.execute(f"PRAGMA cache_size = {int(cache_before)}")  # back to the pooled setting


_SQL_ENQUIRY = ("INSERT INTO enquiry (id, organisation_id, site_id, user_id, received_at, "
                "channel, enquirer_type, client_id, age_band, postcode_district, route, notes, "
                "time_spent_minutes, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
_SQL_NEED = ("INSERT INTO enquiry_need (id, enquiry_id, need_code, outcome, unmet_reason) "
             "VALUES (?, ?, ?, ?, ?)")
_SQL_REFERRAL = ("INSERT INTO referral (id, enquiry_id, service_id, kind, consent_to_share, "
                 "follow_up_due, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
_SQL_EVENT = ("INSERT INTO referral_event (id, referral_id, status, note, at) "
              "VALUES (?, ?, ?, ?, ?)")


def _referral(rng: random.Random, ids: _Ids, eid: str, when: datetime, services: list[str],
              end: datetime, ref_rows: list[tuple[Any, ...]],
              event_rows: list[tuple[Any, ...]]) -> None:
    rid = ids.at(when)
    kind = _KINDS[bisect.bisect_right(_KIND_CUM, rng.random() * _KIND_CUM[-1])]
    due = (when + timedelta(days=14)).date()
    ref_rows.append((rid, eid, rng.choice(services), kind, int(kind in ("referred", "booked")),
                     due.isoformat(), _ts(when)))
    event_rows.append((ids.at(when), rid, "made", "", _ts(when)))
    later = when
    story = _story(rng)
    if (not story or story[-1] not in _FINAL) and when < end - timedelta(days=90):
        story = [*story, rng.choice(["no_response", "closed"])]  # old cases get closed
    for status in story:
        later = later + timedelta(days=rng.randint(2, 20))
        if later > end:
            break
        event_rows.append((ids.at(later), rid, status, "", _ts(later)))


_FINAL = frozenset(t.code for t in vocab("referral_statuses").terms if t.final)
_KINDS = ["information", "signposted", "referred", "booked"]
_KIND_CUM = list(itertools.accumulate([2, 5, 3, 1]))
_STORIES = [[], ["contacted"], ["contacted", "started"], ["started"],
            ["contacted", "waiting_list"], ["contacted", "waiting_list", "started"],
            ["declined"], ["not_eligible"], ["no_response"]]
_STORY_CUM = list(itertools.accumulate([2, 1, 5, 3, 1, 1, 1, 1, 1]))


def _story(rng: random.Random) -> list[str]:
    return _STORIES[bisect.bisect_right(_STORY_CUM, rng.random() * _STORY_CUM[-1])]
