"""A client's history as simple HTML for a read-only text browser (every value escaped)."""

from __future__ import annotations

from html import escape

from csn_desk.client_history import ClientHistory, communication_flags
from csn_desk.clients import ClientDetail
from csn_desk.timefmt import uk_datetime
from csn_desk.ui.clients.data import consent_text
from csn_desk.vocab import vocab


def _li(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def history_html(detail: ClientDetail, history: ClientHistory) -> str:
    v = vocab
    parts = ["<h3>Communication needs</h3>"]
    flags = communication_flags(detail.preferred_format, detail.interpreter, detail.language)
    parts.append(_li([escape(f) for f in flags] or ["None recorded (standard print)."]))
    parts.append(f"<p>Preferred contact: "
                 f"{escape(v('contact_methods').label(detail.preferred_contact))}</p>")

    count = len(history.enquiries)
    more = f" (latest {count}; older ones not shown)" if history.enquiries_capped else ""
    parts.append(f"<h3>Enquiries{more}</h3>")
    if not history.enquiries:
        parts.append("<p>None yet.</p>")
    for e in history.enquiries:
        head = (f"{escape(uk_datetime(e.received_at))}, {escape(e.site_name)}, "
                f"{escape(v('channels').label(e.channel))}")
        if e.route:
            head += f", {escape(v('routes').label(e.route))}"
        rows = []
        for n in e.needs:
            text = f"Need: {escape(v('needs').label(n.code))}: "
            text += escape(v("need_outcomes").label(n.outcome))
            if n.unmet_reason:
                text += f" ({escape(v('unmet_reasons').label(n.unmet_reason))})"
            rows.append(text)
        for r in e.referrals:
            name = r.service_name or "Service not named"
            if r.organisation_name:
                name += f" ({r.organisation_name})"
            text = (f"{escape(v('referral_kinds').label(r.kind))}: {escape(name)}. Status: "
                    f"<b>{escape(v('referral_statuses').label(r.status))}</b>")
            if r.status_at is not None:
                text += f" since {escape(uk_datetime(r.status_at))}"
            if r.follow_up_due is not None:
                text += f"; follow up by {r.follow_up_due:%d/%m/%Y}"
            text += (f' &nbsp;<a href="letter:{escape(r.id)}">Follow-up letter</a>'
                     f' &nbsp;<a href="referral-letter:{escape(r.id)}">Referral letter</a>')
            rows.append(text)
        slip = (f' &nbsp;<a href="slip:{escape(e.id)}">Print slip</a>' if e.referrals else "")
        parts.append(f"<p><b>{head}</b>{slip}</p>" + _li(rows or ["No needs recorded."]))

    parts.append("<h3>Consents</h3>")
    if not history.consents:
        parts.append("<p>None recorded.</p>")
    else:
        parts.append(_li([f"{escape(v('consent_purposes').label(c.purpose))}: "
                          f"{escape(consent_text(c))}" for c in history.consents]))

    parts.append("<h3>Documents printed</h3>")
    if not history.documents:
        parts.append("<p>None yet.</p>")
    else:
        parts.append(_li([f"{escape(v('document_kinds').label(d.kind))} "
                          f"({escape(v('formats').label(d.format))}), "
                          f"{escape(uk_datetime(d.created_at))}" for d in history.documents]))
    return "".join(parts)
