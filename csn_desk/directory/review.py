"""The review list: directory entries that need a coordinator's attention, each with every
reason in words, and "mark as checked".

Reasons: not checked in 12 months (or never), an alert whose end date has passed, no way
to contact or find the service, a service that is inactive or defunct while referrals still
point at it, and possible duplicates. Anyone signed in may run the list; marking an entry
checked is an edit, for coordinators and administrators."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from csn_desk.directory.duplicates import all_possible_duplicates
from csn_desk.directory.fit import REVIEW_AFTER_DAYS
from csn_desk.directory.permissions import require_editor
from csn_desk.directory.records import read_directory
from csn_desk.errors import NotFound
from csn_desk.ids import new_id, utcnow
from csn_desk.store.models import DirectoryReview, Service
from csn_desk.timefmt import long_date
from csn_desk.workspace import Workspace

RECENT_REFERRAL_DAYS = 90
REASON_CODES = ("not_checked", "alert_expired", "no_contact", "inactive_referred",
                "possible_duplicate")


@dataclass(frozen=True)
class ReviewItem:
    service_id: str
    name: str
    organisation: str
    status: str
    last_checked: date | None
    codes: tuple[str, ...]  # from REASON_CODES, in that order
    reasons: tuple[str, ...]  # one plain sentence per reason
    duplicate_of: tuple[str, ...] = ()  # ids of entries it may duplicate

    @property
    def summary(self) -> str:
        return " ".join(self.reasons)


_BASE = ("SELECT s.id, s.name, coalesce(o.name, ''), s.status, s.assured_date "
         "FROM service s LEFT JOIN organisation o ON o.id = s.organisation_id "
         "WHERE s.merged_into IS NULL")


def _date(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def review_list(ws: Workspace, today: date | None = None, *,
                duplicates: bool = True) -> list[ReviewItem]:
    """Every entry that needs attention, by name."""
    day = today or date.today()
    due = (day - timedelta(days=REVIEW_AFTER_DAYS)).isoformat()
    recent = (day - timedelta(days=RECENT_REFERRAL_DAYS)).isoformat()
    reasons: dict[str, dict[str, str]] = defaultdict(dict)
    rows: dict[str, tuple[str, str, str, date | None]] = {}
    duplicate_ids: dict[str, list[str]] = defaultdict(list)
    with ws.db.read() as s:
        conn = s.connection()
        for sid, name, org, status, assured in conn.exec_driver_sql(_BASE).all():
            rows[sid] = (name, org, status, _date(assured))
            if status == "defunct":
                continue
            checked = _date(assured)
            if checked is None:
                reasons[sid]["not_checked"] = "Never checked: confirm the details."
            elif checked.isoformat() < due:
                reasons[sid]["not_checked"] = (f"Last checked {long_date(checked)}, over 12 "
                                               "months ago: confirm the details.")
        for sid, until in conn.exec_driver_sql(
                "SELECT id, alert_until FROM service WHERE merged_into IS NULL "
                "AND alert IS NOT NULL AND alert_until < ?", (day.isoformat(),)).all():
            ended = _date(until)
            reasons[sid]["alert_expired"] = (
                f"Its alert ended on {long_date(ended) if ended else until}: remove it or "
                "give it a new end date.")
        for (sid,) in conn.exec_driver_sql(
                "SELECT s.id FROM service s LEFT JOIN organisation o "
                "ON o.id = s.organisation_id WHERE s.merged_into IS NULL "
                "AND s.status != 'defunct' "
                "AND coalesce(s.phone, s.email, s.url, o.phone, o.email, o.url) IS NULL "
                "AND NOT EXISTS (SELECT 1 FROM service_at_location sal JOIN location l "
                "ON l.id = sal.location_id WHERE sal.service_id = s.id "
                "AND coalesce(l.address_1, l.postcode) IS NOT NULL)").all():
            reasons[sid]["no_contact"] = ("No phone, email, web address or address: people "
                                          "have no way to reach it.")
        for sid, status, open_count, recent_count in conn.exec_driver_sql(
                "SELECT s.id, s.status, "
                "sum(CASE WHEN coalesce(st.is_open, 1) THEN 1 ELSE 0 END), "
                "sum(CASE WHEN r.created_at >= ? THEN 1 ELSE 0 END) "
                "FROM service s JOIN referral r ON r.service_id = s.id "
                "LEFT JOIN referral_state st ON st.referral_id = r.id "
                "WHERE s.status IN ('inactive', 'defunct') GROUP BY s.id, s.status",
                (recent,)).all():
            if open_count or recent_count:
                reasons[sid]["inactive_referred"] = (
                    f"It is {status}, but {open_count:,} open referral"
                    f"{'s' if open_count != 1 else ''} point at it "
                    f"({recent_count:,} made in the last 3 months): follow them up or "
                    "re-point them.")
        if duplicates:
            d = read_directory(s)
            names = {x.id: x.name for x in d.services}
            for m in all_possible_duplicates(d.organisations, d.services):
                if m.kind != "service":
                    continue
                for a, b in ((m.id, m.other_id), (m.other_id, m.id)):
                    duplicate_ids[a].append(b)
                    reasons[a]["possible_duplicate"] = (
                        f"Possible duplicate of '{names.get(b, '')}': {m.reason} Merge them "
                        "if they are the same.")
    items = []
    for sid, found in reasons.items():
        if sid not in rows:
            continue
        name, org, status, checked = rows[sid]
        codes = tuple(c for c in REASON_CODES if c in found)
        items.append(ReviewItem(sid, name, org, status, checked, codes,
                                tuple(found[c] for c in codes),
                                tuple(dict.fromkeys(duplicate_ids.get(sid, [])))))
    return sorted(items, key=lambda i: (i.name.casefold(), i.organisation.casefold(),
                                        i.service_id))


def mark_checked(ws: Workspace, service_id: str, *, note: str | None = None,
                 today: date | None = None) -> None:
    """Record that the entry's details were confirmed today, by the signed-in user. An alert
    whose end date has passed is cleared at the same time."""
    require_editor(ws)
    day = today or date.today()
    who = ws.user.display_name or ws.user.username
    with ws.db.write(ws.actor) as w:
        service = w.session.get(Service, service_id)
        if service is None:
            raise NotFound("That service is no longer in the directory; run the list again.")
        w.create(DirectoryReview(id=new_id(), service_id=service_id, checked_on=day,
                                 checked_by=who, note=(note or "").strip() or None,
                                 created_at=utcnow()))
        changes: dict[str, object] = {"assured_date": day, "assured_by": who,
                                      "needs_checking": False}
        if service.alert_until is not None and service.alert_until < day:
            changes |= {"alert": None, "alert_until": None}
        w.update(service, **changes)


__all__ = ["REASON_CODES", "ReviewItem", "mark_checked", "review_list"]
