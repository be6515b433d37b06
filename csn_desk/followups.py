"""Recording a follow-up outcome: the referral's new status event and what it says about the
enquiry's need, in ONE unit of work (both or neither)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from csn_desk.errors import NotFound
from csn_desk.ids import utcnow
from csn_desk.store.models import Enquiry, EnquiryNeed, Referral, ReferralEvent, ServiceTaxonomy
from csn_desk.vocab import vocab
from csn_desk.workspace import Workspace

# What a referral outcome says about the enquiry's need (need outcome, default unmet reason).
# Statuses not listed ("contacted", "waiting list", "closed") leave the need as it is: they
# do not yet say whether the person got the help ("closed" is an admin close, reason unknown).
NEED_OUTCOME: dict[str, tuple[str, str | None]] = {
    "started": ("met", None),
    "declined": ("unmet", "declined"),
    "not_eligible": ("unmet", "not_eligible"),
    "no_response": ("unmet", "other"),
}


@dataclass(frozen=True)
class OutcomeResult:
    referral_id: str
    status: str
    needs_changed: tuple[tuple[str, str], ...]  # (need code, new outcome)


def _referral(s: Session, ws: Workspace, referral_id: str) -> Referral:
    ref = s.get(Referral, referral_id)
    enquiry = s.get(Enquiry, ref.enquiry_id) if ref is not None else None
    if ref is None or enquiry is None or enquiry.organisation_id != ws.organisation_id:
        raise NotFound("That referral was not found; refresh the queue.")
    return ref


def _answered_needs(s: Session, ref: Referral) -> list[EnquiryNeed]:
    """The needs this referral answers: those the referred service is catalogued under; if
    none match (a free-text service, or one filed elsewhere) and the enquiry has exactly one
    need, that need."""
    needs = list(s.execute(select(EnquiryNeed)
                           .where(col(EnquiryNeed.enquiry_id) == ref.enquiry_id)
                           .order_by(col(EnquiryNeed.need_code))).scalars())
    terms: set[str] = set()
    if ref.service_id:
        terms = set(s.execute(select(col(ServiceTaxonomy.term_code))
                              .where(col(ServiceTaxonomy.service_id) == ref.service_id))
                    .scalars())
    matched = [n for n in needs if n.need_code in terms]
    return matched or (needs if len(needs) == 1 else [])


def record_outcome(ws: Workspace, referral_id: str, status: str, note: str = "",
                   unmet_reason: str | None = None) -> OutcomeResult:
    """Append the outcome event and update the need(s) it answers (``NEED_OUTCOME``);
    ``unmet_reason`` overrides the default reason. A need already met (say by another
    referral) is never turned back to unmet."""
    vocab("referral_statuses").check(status, "referral status")
    mapped = NEED_OUTCOME.get(status)
    if mapped is not None and mapped[0] == "unmet" and unmet_reason:
        vocab("unmet_reasons").check(unmet_reason, "reason")
        mapped = ("unmet", unmet_reason)
    changed: list[tuple[str, str]] = []
    with ws.db.write(ws.actor) as w:
        ref = _referral(w.session, ws, referral_id)
        w.create(ReferralEvent(referral_id=referral_id, status=status, note=note.strip(),
                               at=utcnow(), user_id=ws.user.id, site_id=ws.site_id))
        if mapped is not None:
            outcome, reason = mapped
            for need in _answered_needs(w.session, ref):
                if need.outcome == outcome or (need.outcome == "met" and outcome != "met"):
                    continue
                w.update(need, outcome=outcome,
                         unmet_reason=reason if outcome in ("unmet", "partly_met") else None)
                changed.append((need.need_code, outcome))
    return OutcomeResult(referral_id, status, tuple(changed))
