"""`roomink doctor` names the failing setup step in words an admin can act on."""

from __future__ import annotations

import uuid

from hub.m365.doctor import FAIL, OK, WARN, Doctor, calendar_processing_fix, subjects_replaced
from hub.schedule import Event
from tests.m365_emulator import NOW, at
from tests.m365_emulator.hubside import Hub

pytest_plugins = ["tests.m365_emulator.fixtures"]


def _run(hub, rooms):
    return Doctor(hub.config, hub.auth, hub.client).run(rooms, NOW)


def _by(findings, step, room=""):
    return [f for f in findings if f.step == step and f.room == room]


def test_healthy_setup_passes_every_step(hub, emu):
    emu.tenant.add_room("atlas@contoso.com", "Atlas", capacity=10)
    emu.tenant.add_event("atlas@contoso.com", at(1), at(2), subject="Design review")
    findings = _run(hub, ["atlas@contoso.com"])
    assert [f.status for f in findings] == [OK] * len(findings)
    assert [f.step for f in findings] == ["sign-in", "permissions", "room list", "calendar",
                                         "subjects"]


def test_403_404_and_hidden_rooms_are_named(hub, emu):
    emu.tenant.add_room("nodelegate@contoso.com", access="none")
    emu.tenant.add_room("hidden@contoso.com", hidden=True)
    findings = _run(hub, ["nodelegate@contoso.com", "typo@contoso.com", "hidden@contoso.com"])
    [denied] = _by(findings, "calendar", "nodelegate@contoso.com")
    assert denied.status == FAIL
    assert "ErrorAccessDenied" in denied.message
    assert "less than 24 h ago" in denied.message
    assert ('Add-MailboxFolderPermission -Identity "nodelegate@contoso.com:\\Calendar" '
            "-User signs@contoso.com -AccessRights Reviewer") in denied.message
    [missing] = _by(findings, "calendar", "typo@contoso.com")
    assert missing.status == FAIL and "ErrorItemNotFound" in missing.message
    assert "check the address" in missing.message
    assert not _by(findings, "room list", "typo@contoso.com")  # no misleading "hidden" advice
    [hidden] = _by(findings, "room list", "hidden@contoso.com")
    assert hidden.status == WARN and "hidden from the address list" in hidden.message
    assert "-HiddenFromAddressListsEnabled $false" in hidden.message
    [reachable] = _by(findings, "calendar", "hidden@contoso.com")
    assert reachable.status == OK  # hidden rooms still work for the sign
    assert "\n" not in "".join(f.line() for f in findings)


def test_organizer_subject_is_detected_with_exact_fix(hub, emu):
    emu.tenant.add_room("defaults@contoso.com", delete_subject=True)
    emu.tenant.add_event("defaults@contoso.com", at(1), at(2), subject="Quarterly review",
                         organizer_name="Megan Bowen")
    emu.tenant.add_event("defaults@contoso.com", at(3), at(4), subject="1:1",
                         organizer_name="Alex Wilber")
    findings = _run(hub, ["defaults@contoso.com"])
    [subjects] = _by(findings, "subjects", "defaults@contoso.com")
    assert subjects.status == WARN
    assert subjects.message.endswith(
        "Set-CalendarProcessing -Identity defaults@contoso.com -DeleteSubject $false "
        "-AddOrganizerToSubject $false -DeleteComments $false -RemovePrivateProperty $false")


def test_subject_heuristic_needs_a_majority():
    def ev(subject, organizer, private=False):
        return Event(at(1), at(2), subject=subject, organizer=organizer, private=private)

    assert not subjects_replaced([])
    assert not subjects_replaced([ev("", "", private=True)])
    assert subjects_replaced([ev("Megan Bowen", "Megan Bowen")])
    assert not subjects_replaced([ev("Megan Bowen", "Megan Bowen"), ev("Sync", "Alex"),
                                  ev("Plan", "Alex")])
    assert calendar_processing_fix("r@x").startswith("Set-CalendarProcessing -Identity r@x ")


def test_missing_sign_in_stops_at_first_step(emu, tmp_path):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid)
    fresh = Hub(emu, cid, tmp_path / "fresh")
    findings = _run(fresh, ["room@contoso.com"])
    assert [(f.step, f.status) for f in findings] == [("sign-in", FAIL)]
    assert "roomink login" in findings[0].message


def test_scope_not_granted_is_named_before_rooms(emu, tmp_path):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid, consented=("Place.Read.All",))
    emu.tenant.add_room("atlas@contoso.com")
    h = Hub(emu, cid, tmp_path)
    h.login(emu)
    findings = _run(h, ["atlas@contoso.com"])
    [perm] = [f for f in findings if f.step == "permissions"]
    assert perm.status == FAIL and "Calendars.Read.Shared not granted" in perm.message
    assert findings[-1].message.startswith("room checks skipped")


def test_app_only_access_policy_denial(emu, tmp_path):
    cid = f"app-{uuid.uuid4()}"
    emu.tenant.add_client(cid, secret="s", allowed_rooms={"in@contoso.com"})
    emu.tenant.add_room("in@contoso.com")
    emu.tenant.add_room("out@contoso.com")
    h = Hub(emu, cid, tmp_path, auth="app", client_secret="s")
    findings = _run(h, ["in@contoso.com", "out@contoso.com"])
    assert _by(findings, "calendar", "in@contoso.com")[0].status == OK
    [out] = _by(findings, "calendar", "out@contoso.com")
    assert out.status == FAIL and "ApplicationAccessPolicy" in out.message
