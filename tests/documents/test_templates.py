"""Letter templates: defaults as data, an administrator's edit kept per organisation (one row
per kind, with a derived id so sites merge), placeholders checked before anything prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from csn_desk.accounts import add_user, sign_in
from csn_desk.documents.templates import (
    MissingValues,
    check_template,
    default_template,
    example_values,
    fill,
    get_template,
    list_templates,
    placeholders_for,
    restore_default,
    save_template,
    template_id,
    template_kinds,
)
from csn_desk.errors import InvalidInput, NotAllowed
from csn_desk.store.models import AuditEvent, LetterTemplate
from csn_desk.vocab import resources_dir
from csn_desk.workspace import Workspace
from tests.conftest import FAST_KDF, PASSPHRASE

FOLLOWUP = "followup_letter"


def test_every_kind_has_a_valid_default_with_described_placeholders() -> None:
    assert set(template_kinds()) == {"followup_letter", "referral_letter"}
    for kind in template_kinds():
        default = default_template(kind)
        check_template(kind, default.subject, default.body)
        for p in placeholders_for(kind):
            assert p.description.endswith(".") and p.example and p.missing
        filled = fill(kind, default.subject, default.body, example_values(kind))
        assert filled.subject and len(filled.paragraphs) >= 5
        text = " ".join(filled.paragraphs)
        assert "{" not in text and "}" not in text


def test_placeholder_descriptions_are_one_list_with_no_strays() -> None:
    raw = json.loads((resources_dir() / "templates" / "placeholders.json").read_text("utf-8"))
    used = {n for kind in template_kinds() for n in default_template(kind).allowed}
    assert used == set(raw["placeholders"])


def test_default_follow_up_letter_reads_plainly() -> None:
    """Short sentences for an older reader; the call to action gives our phone number."""
    default = default_template(FOLLOWUP)
    filled = fill(FOLLOWUP, default.subject, default.body, example_values(FOLLOWUP))
    text = "\n".join(filled.paragraphs)
    assert "Did you manage to contact them?" in text
    assert "please call us on 01632 960000" in text
    sentences = [s for p in filled.paragraphs for s in p.replace("?", ".").split(". ")]
    assert max(len(s.split()) for s in sentences) <= 20


def test_list_and_get_show_the_default_until_edited(ws: Workspace) -> None:
    views = {v.kind: v for v in list_templates(ws)}
    assert set(views) == set(template_kinds())
    view = views[FOLLOWUP]
    assert view.is_default and view.label == "Follow-up letter"
    assert view.body == default_template(FOLLOWUP).body
    assert "service_phone" in [p.name for p in view.placeholders]


def test_save_keeps_the_edit_under_a_derived_id_and_restore_removes_it(ws: Workspace) -> None:
    body = "Dear {client_first_name}\n\nPlease ring {site_phone}.\n\n{staff_name}"
    saved = save_template(ws, FOLLOWUP, "  Checking in  ", body + "\n\n\n")
    assert not saved.is_default and saved.subject == "Checking in" and saved.body == body
    assert get_template(ws, FOLLOWUP).body == body
    with ws.db.read() as s:
        rows = s.exec(select(LetterTemplate)).all()
        assert [(r.id, r.kind, r.organisation_id) for r in rows] == [
            (template_id(ws.organisation_id, FOLLOWUP), FOLLOWUP, ws.organisation_id)]
    # Saving again changes the same row (no second row), and the other kind is untouched.
    save_template(ws, FOLLOWUP, "Checking in again", body)
    assert get_template(ws, "referral_letter").is_default
    restored = restore_default(ws, FOLLOWUP)
    assert restored.is_default and restored.body == default_template(FOLLOWUP).body
    with ws.db.read() as s:
        assert s.exec(select(LetterTemplate)).all() == []
        actions = [a.action for a in s.exec(select(AuditEvent)).all()]
    assert {"create:letter_template", "update:letter_template",
            "delete:letter_template"} <= set(actions)


def test_template_id_is_the_same_for_every_site_of_an_organisation() -> None:
    a = template_id("org-1", FOLLOWUP)
    assert a == template_id("org-1", FOLLOWUP)
    assert a != template_id("org-2", FOLLOWUP) and a != template_id("org-1", "referral_letter")


@pytest.mark.parametrize(("body", "says"), [
    ("Dear {client_nam}", "{client_nam}"),
    ("Dear {client_nam}", "Did you mean {client_name}?"),
    ("Call {site_phone", "without its pair"),
    ("Call site_phone} now", "without its pair"),
    ("Call {} now", "empty braces"),
    ("Call {site_phone:>20}", "write it as {site_phone}"),
    ("Call {site_phone!r}", "write it as {site_phone}"),
    ("Hello {client.name}", "{client.name}"),
    ("   \n\n  ", "The letter is empty"),
])
def test_bad_templates_are_refused_and_nothing_is_saved(ws: Workspace, body: str,
                                                        says: str) -> None:
    with pytest.raises(InvalidInput) as err:
        save_template(ws, FOLLOWUP, "Subject", body)
    assert says in str(err.value)
    assert get_template(ws, FOLLOWUP).is_default


def test_unknown_placeholder_in_the_subject_is_named_too(ws: Workspace) -> None:
    with pytest.raises(InvalidInput, match=r"subject uses \{client_phone\}"):
        # client_phone exists for the referral letter, not for the follow-up letter.
        save_template(ws, FOLLOWUP, "For {client_phone}", "Hello")
    save_template(ws, "referral_letter", "For {client_phone}", "Hello")


def test_only_an_administrator_changes_templates(ws: Workspace, data_dir: Path) -> None:
    add_user(ws, "cal.c", "Cal Counter", "counter", PASSPHRASE, kdf=FAST_KDF,
             check_strength=False)
    counter = sign_in(data_dir, "cal.c", PASSPHRASE)
    try:
        with pytest.raises(NotAllowed):
            save_template(counter, FOLLOWUP, "Hi", "Hello {client_first_name}")
        with pytest.raises(NotAllowed):
            restore_default(counter, FOLLOWUP)
        assert get_template(counter, FOLLOWUP).is_default  # reading is fine
    finally:
        counter.close()


def test_optional_placeholder_leaves_out_its_paragraph_only() -> None:
    body = ("Dear {client_first_name}\n\nTheir number is {service_phone?}.\n\n"
            "Call us on {site_phone}.")
    values = {**example_values(FOLLOWUP), "service_phone": None}
    filled = fill(FOLLOWUP, "Hello", body, values)
    assert filled.paragraphs == ("Dear Zoë", "Call us on 01632 960000.")
    values["service_phone"] = "01632 960123"
    assert fill(FOLLOWUP, "Hello", body, values).paragraphs[1] == "Their number is 01632 960123."


def test_a_missing_value_stops_the_letter_and_says_what_to_fix() -> None:
    values = {**example_values(FOLLOWUP), "service_phone": "  ", "site_email": None}
    with pytest.raises(MissingValues) as err:
        fill(FOLLOWUP, "Hi", "Ring {service_phone} or write to {site_email}.", values)
    message = str(err.value)
    assert err.value.names == ("service_phone", "site_email")
    assert "{service_phone} and {site_email}" in message
    assert "Add a phone number to the service's directory entry" in message


def test_braces_and_values_print_as_written() -> None:
    values = {**example_values(FOLLOWUP), "client_first_name": "{site_phone}"}
    filled = fill(FOLLOWUP, "{{Note}}", "Dear {client_first_name}\nLine two {{x}}", values)
    assert filled.subject == "{Note}"
    assert filled.paragraphs == ("Dear {site_phone}\nLine two {x}",)
