"""Properties of the pure model over random party sets, orders and action sequences
(S11, S13, G2, G4, D4): whatever parties do, in whatever order, the rules hold."""

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common.commands import ReRequestParty
from services.common.events import NotificationRequested
from services.common.messages import Refused
from services.signing.model import Envelope
from tests.unit.signing.builders import (
    LINK,
    NOW,
    SENDER,
    enter_code,
    party,
    secrets_counter,
    sent,
    sign,
    signer,
)

FINAL = ("locked", "declined", "replaced")

party_specs = st.lists(
    st.tuples(st.booleans(), st.integers(1, 4), st.booleans(), st.booleans()),
    # signs, order, access code, a landlord who may hand over (S14)
    min_size=1,
    max_size=6,
).filter(lambda specs: any(signs for signs, _, _, _ in specs))

actions = st.lists(
    st.tuples(
        st.sampled_from(
            ["sign", "decline", "wrong_code", "right_code", "rerequest", "tick", "hand_over"]
        ),
        st.integers(0, 7),
    ),
    max_size=40,
)


def build(specs) -> Envelope:
    return sent(
        [
            party(
                f"人 {i}",
                order if signs else None,
                signs=signs,
                access_code="1234" if code else None,
                role="landlord" if hands_over else "tenant",
                signer_change_allowed=hands_over and signs,
            )
            for i, (signs, order, code, hands_over) in enumerate(specs)
        ]
    )


def act(envelope: Envelope, action: str, index: int, step: int) -> None:
    p = envelope.parties[index]
    now = NOW + timedelta(minutes=6 * step)
    if action == "sign":
        sign(envelope, index, session_hash=f"s-{p.id}", now=now)
    elif action == "decline":
        envelope.decline(p.id, p.link_serial, f"s-{p.id}", "理由", now, signer(envelope, index))
    elif action in ("wrong_code", "right_code"):
        enter_code(envelope, index, action == "right_code", f"s-{p.id}")
    elif action == "rerequest":
        envelope.rerequest(
            [ReRequestParty(party_id=p.id)],
            now=now,
            who=SENDER,
            new_token=secrets_counter(),
            link_for=LINK,
        )
    elif action == "hand_over":
        envelope.hand_over(
            p.id,
            p.link_serial,
            f"s-{p.id}",
            name=f"代理 {step}",
            email=f"proxy{step}@example.jp",
            phone=None,
            new_party_id=f"proxy-{step}",
            now=now,
            who=signer(envelope, index),
            new_token=secrets_counter(),
            link_for=LINK,
        )
    else:
        envelope.tick(now + timedelta(days=3 * step), secrets_counter(), LINK)


def check(envelope: Envelope, finals: dict[tuple[str, int], str]) -> None:
    signers = [p for p in envelope.parties if p.active_signer]
    reached = ("asked", "opened", "verified", "signed", "locked", "declined")
    for p in signers:
        if p.status in reached:
            lower = [q for q in signers if q.signing_order < p.signing_order]
            assert all(q.status == "signed" for q in lower), (p.name, p.status)
    if envelope.status in ("sent", "signed", "completed"):
        assert (envelope.status != "sent") == all(p.status == "signed" for p in signers)
    for p in envelope.parties:
        if not p.signs:
            assert p.status == "share_only"
        key = (p.id, p.link_serial)
        if key in finals:
            assert p.status == finals[key], (p.name, finals[key], p.status)
        elif p.status in FINAL:
            finals[key] = p.status


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(party_specs, actions)
def test_order_signed_share_only_and_final_states_hold_for_any_actions(specs, steps):
    envelope = build(specs)
    share_only = {p.id for p in envelope.parties if not p.signs}
    finals: dict[tuple[str, int], str] = {}
    check(envelope, finals)
    for step, (action, index) in enumerate(steps, start=1):
        if index >= len(envelope.parties):
            continue
        try:
            act(envelope, action, index, step)
        except Refused:
            pass
        check(envelope, finals)
    if envelope.status == "signed":
        envelope.complete("blob", "sha", NOW, secrets_counter(), LINK)
    for event in envelope.collect_events():
        if isinstance(event, NotificationRequested) and event.party_id in share_only:
            assert event.kind == "signature_completed"


@settings(max_examples=100, deadline=None)
@given(party_specs)
def test_signed_exactly_when_every_signing_party_signed_in_order(specs):
    envelope = build(specs)
    while envelope.status == "sent":
        asked = [i for i, p in enumerate(envelope.parties) if p.is_open]
        assert asked, "a sent envelope always asks someone"
        for i in asked:
            if envelope.parties[i].access_code_digest is not None:
                enter_code(envelope, i, True, "ok")
            sign(envelope, i, session_hash="ok")
    assert envelope.status == "signed"
    assert all(p.status == "signed" for p in envelope.parties if p.signs)
