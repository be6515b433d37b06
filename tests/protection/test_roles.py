"""The permission matrix: each role, signed in to a real data folder, tries service functions
and commands. What each role may do is written out here by hand (not read from
resources/permissions.json), so a wrong row in the table fails. Refusals are NotAllowed and
leave an "auth:denied" audit entry; allowed calls never raise NotAllowed (some may stop for
another reason, e.g. no network set up)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from csn_desk.accounts import add_user, list_users, sign_in
from csn_desk.cli.main import main
from csn_desk.clients import ClientInput, add_client, find_clients, get_client, update_client
from csn_desk.directory.editing import add_organisation, add_service
from csn_desk.directory.inputs import OrganisationInput, ServiceInput
from csn_desk.directory.search import search_services
from csn_desk.documents.batch import letters_due
from csn_desk.documents.settings import load_print_settings, save_print_settings
from csn_desk.documents.slip import make_slip
from csn_desk.enquiries import list_enquiries, save_enquiry
from csn_desk.errors import CsnError, NotAllowed
from csn_desk.followups import load_queue
from csn_desk.protection.audit_log import check_log, query_audit
from csn_desk.protection.keys_admin import new_recovery
from csn_desk.protection.roles import can
from csn_desk.referrals import follow_ups_due
from csn_desk.reports.periods import month
from csn_desk.reports.tallies import compute_tallies
from csn_desk.sites import update_site_details
from csn_desk.store.models import AuditEvent
from csn_desk.sync.network import create_network
from csn_desk.sync.service import list_conflicts, resume_site
from csn_desk.workspace import Workspace
from tests.conftest import PASSPHRASE
from tests.store.storekit import draft

ROLES = ("counter", "coordinator", "manager", "admin")
EVERYONE = set(ROLES)
TODAY = date(2026, 11, 2)

# The matrix, from the design (data-protection.md, "People and access") and the issue:
# counter: enquiries, directory search, slips, clients; coordinator: + follow-ups, letters,
# directory editing, sync conflicts; manager: + tallies; administrator: everything.
EXPECTED: dict[str, set[str]] = {
    "find clients": EVERYONE,
    "open a client record": EVERYONE,
    "add a client": EVERYONE,
    "change a client": EVERYONE,
    "log an enquiry": EVERYONE,
    "list enquiries": EVERYONE,
    "search the directory": EVERYONE,
    "print a slip": EVERYONE,
    "follow-ups due": {"coordinator", "manager", "admin"},
    "follow-up queue": {"coordinator", "manager", "admin"},
    "letters due": {"coordinator", "manager", "admin"},
    "see sync conflicts": {"coordinator", "manager", "admin"},
    "add a directory organisation": {"coordinator", "admin"},
    "add a directory service": {"coordinator", "admin"},
    "organisation tallies": {"manager", "admin"},
    "list users": {"admin"},
    "add a user": {"admin"},
    "make a new recovery key": {"admin"},
    "read the audit log": {"admin"},
    "check the audit log": {"admin"},
    "change the site details": {"admin"},
    "change print settings": {"admin"},
    "create a network": {"admin"},
    "resume a paused site": {"admin"},
}


def _calls(ws: Workspace, ids: dict[str, str], tmp: Path) -> dict[str, Callable[[], Any]]:
    return {
        "find clients": lambda: find_clients(ws, "Crawley"),
        "open a client record": lambda: get_client(ws, ids["client"]),
        "add a client": lambda: add_client(ws, ClientInput("Mabel", "Hartley")),
        "change a client": lambda: update_client(ws, ids["client"], post_town="DARLINGTON"),
        "log an enquiry": lambda: save_enquiry(ws, draft("role check")),
        "list enquiries": lambda: list_enquiries(ws),
        "search the directory": lambda: search_services(ws, "lunch"),
        "print a slip": lambda: make_slip(ws, ids["enquiry"], day=TODAY),
        "follow-ups due": lambda: follow_ups_due(ws, TODAY),
        "follow-up queue": lambda: load_queue(ws, TODAY),
        "letters due": lambda: letters_due(ws, TODAY),
        "see sync conflicts": lambda: list_conflicts(ws),
        "add a directory organisation": lambda: add_organisation(
            ws, OrganisationInput(name=f"Lunch club {ws.user.role}")),
        "add a directory service": lambda: add_service(
            ws, ServiceInput(organisation_id=ids["organisation"], name=f"Lunch {ws.user.role}")),
        "organisation tallies": lambda: compute_tallies(ws, month("2026-10"), "organisation"),
        "list users": lambda: list_users(ws),
        "add a user": lambda: add_user(ws, f"new.{ws.user.role}", "New Person", "counter",
                                       PASSPHRASE, check_strength=False),
        "make a new recovery key": lambda: new_recovery(ws),
        "read the audit log": lambda: query_audit(ws),
        "check the audit log": lambda: check_log(ws),
        "change the site details": lambda: update_site_details(ws, phone="01325 111111"),
        "change print settings": lambda: save_print_settings(ws, load_print_settings(ws)),
        "create a network": lambda: create_network(ws, tmp / "drop", "Test network"),
        "resume a paused site": lambda: resume_site(ws, ws.site_id),
    }


def _denials(ws: Workspace) -> int:
    with ws.db.read() as s:
        return int(s.execute(select(func.count()).select_from(AuditEvent)
                             .where(col(AuditEvent.action) == "auth:denied")).scalar_one())


@pytest.fixture
def world(ws: Workspace, data_dir: Path) -> dict[str, str]:
    client = add_client(ws, ClientInput("Edith", "Crawley", postcode="DL1 1AA"))
    enquiry = save_enquiry(ws, draft("first visit"))
    organisation = add_organisation(ws, OrganisationInput(name="Age Friendly Trust"))
    for role in ROLES[:-1]:
        add_user(ws, f"user.{role}", f"A {role}", role, PASSPHRASE, check_strength=False)
    return {"client": client, "enquiry": enquiry, "organisation": organisation}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_may_do_exactly_what_the_matrix_says(
        ws: Workspace, data_dir: Path, tmp_path: Path, world: dict[str, str], role: str) -> None:
    who = ws if role == "admin" else sign_in(data_dir, f"user.{role}", PASSPHRASE)
    wrong: list[str] = []
    try:
        calls = _calls(who, world, tmp_path)
        assert set(calls) == set(EXPECTED)
        for name, call in calls.items():
            allowed = role in EXPECTED[name]
            before = _denials(ws)
            try:
                call()
                refused = False
            except NotAllowed:
                refused = True
            except CsnError:
                refused = False  # stopped for another reason: the role check passed
            if refused == allowed:
                wrong.append(f"{name}: {'refused' if refused else 'allowed'}")
            if refused and _denials(ws) != before + 1:
                wrong.append(f"{name}: refusal not audited")
            if not refused and _denials(ws) != before:
                wrong.append(f"{name}: allowed but a refusal was audited")
    finally:
        if who is not ws:
            who.close()
    assert wrong == []


@pytest.mark.parametrize("role", ROLES)
def test_can_agrees_and_writes_nothing(ws: Workspace, data_dir: Path, world: dict[str, str],
                                       role: str) -> None:
    with sign_in(data_dir, f"user.{role}" if role != "admin" else "admin", PASSPHRASE) as who:
        before = _denials(ws)
        assert can(who, "users.manage") == (role == "admin")
        assert can(who, "directory.edit") == (role in {"coordinator", "admin"})
        assert can(who, "clients.view")
        assert _denials(ws) == before


# command -> roles allowed; each run signs in as the role with --user
COMMANDS: dict[tuple[str, ...], set[str]] = {
    ("users", "list"): {"admin"},
    ("audit", "verify"): {"admin"},
    ("enquiries", "list"): EVERYONE,
}


@pytest.mark.parametrize("role", ROLES)
def test_commands_obey_the_same_rules(
        ws: Workspace, data_dir: Path, world: dict[str, str], role: str,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CSN_DESK_PASSPHRASE", PASSPHRASE)
    user = "admin" if role == "admin" else f"user.{role}"
    for command, allowed in COMMANDS.items():
        code = main([*command, "--data-dir", str(data_dir), "--user", user])
        err = capsys.readouterr().err
        if role in allowed:
            assert code == 0, (command, err)
        else:
            assert code == 1 and "Only administrators" in err, (command, err)
    tallies = main(["tallies", "--month", "2026-10", "--out", str(data_dir.parent / "t.csv"),
                    "--data-dir", str(data_dir), "--user", user])
    assert (tallies == 0) == (role in {"manager", "admin"}), capsys.readouterr().err
