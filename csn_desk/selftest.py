"""A headless end-to-end smoke test in a temporary folder: administrators run it after
installing (``csn-desk self-test``) to prove that encryption, storage, the services and the
checks all work on this machine. It never touches real data."""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from csn_desk.accounts import change_passphrase, initialise, sign_in, sign_in_with_recovery
from csn_desk.directory.search import search_services
from csn_desk.directory.starter import load_starter_directory
from csn_desk.enquiries import EnquiryDraft, NeedInput, list_enquiries, save_enquiry
from csn_desk.errors import WrongPassphrase
from csn_desk.referrals import ReferralDraft, follow_ups_due
from csn_desk.store.paths import DataPaths


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    detail: str = ""


def _words() -> str:
    return "-".join(secrets.token_urlsafe(6) for _ in range(3))


def run_self_test(report: Callable[[Step], None] | None = None) -> list[Step]:
    steps: list[Step] = []

    def step(name: str, ok: bool, detail: str = "") -> None:
        s = Step(name, ok, detail)
        steps.append(s)
        if report:
            report(s)
        if not ok:
            raise AssertionError(name)

    with tempfile.TemporaryDirectory(prefix="csn-desk-selftest-") as tmp:
        data = Path(tmp) / "data"
        first, second = _words(), _words()
        try:
            ws, recovery = initialise(data, site_name="Self-test site",
                                      organisation_name="Self-test organisation",
                                      admin_username="selftest", passphrase=first,
                                      check_strength=False)
            step("create an encrypted data folder", DataPaths(data).exists())
            header = DataPaths(data).database.read_bytes()[:16]
            step("database file is encrypted", header != b"SQLite format 3\x00")
            draft = EnquiryDraft(channel="walk_in", enquirer_type="self",
                                 needs=(NeedInput("transport"), NeedInput("digital")),
                                 postcode_district="DL1", notes="self-test")
            due = date.today() - timedelta(days=1)
            eid = save_enquiry(ws, draft, [ReferralDraft(kind="signposted",
                                                         external_service="Self-test service",
                                                         follow_up_due=due)])
            save_enquiry(ws, draft)  # a double save must not make a second enquiry
            step("save an enquiry once", [r.id for r in list_enquiries(ws)] == [eid])
            step("follow-up listed when due", len(follow_ups_due(ws, date.today())) == 1)
            loaded = load_starter_directory(ws)
            hits = search_services(ws, "befriendng")  # a typo on purpose
            step("directory search (starter directory, typo forgiven)",
                 loaded > 0 and any("befriend" in h.name.lower() for h in hits))
            from csn_desk.documents.slip import make_slip

            slip = make_slip(ws, eid, format_code="large18")
            step("render a large-print slip (Atkinson Hyperlegible embedded)",
                 slip.pdf.startswith(b"%PDF") and slip.pages >= 1
                 and b"AtkinsonHyperlegible" in slip.pdf)
            ws.close()
            try:
                sign_in(data, "selftest", second).close()
                step("wrong passphrase refused", False)
            except WrongPassphrase:
                step("wrong passphrase refused", True)
            ws = sign_in(data, "selftest", first)
            change_passphrase(ws, second, check_strength=False)
            ws.close()
            sign_in(data, "selftest", second).close()
            step("passphrase change", True)
            ws = sign_in_with_recovery(data, recovery.lower(), "selftest")
            step("recovery key unlock", len(list_enquiries(ws)) == 1)
            from csn_desk.health import run_checks

            results = run_checks(ws.db)
            bad = [r.name for r in results if not r.ok]
            step("integrity checks", not bad, ", ".join(bad))
            ws.close()
        except AssertionError:
            pass
    return steps
