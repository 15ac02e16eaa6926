"""Every code a service can refuse with: the contract between the domain and the gateway.

A service raises `Refused(RefusalCode.x, **params)`; the gateway maps the code to an HTTP
status and to a message in the caller's language. Adding a code here without a message in
every gateway catalogue fails the tests.
"""

from enum import StrEnum


class RefusalCode(StrEnum):
    # the bus itself
    invalid_request = "invalid_request"
    internal_error = "internal_error"
    # documents (S3)
    upload_not_found = "upload_not_found"
    not_pdf = "not_pdf"
    unreadable = "unreadable"
    encrypted = "encrypted"
    no_pages = "no_pages"
    too_many_pages = "too_many_pages"
    """params: max_pages."""
    document_not_found = "document_not_found"
    page_not_found = "page_not_found"
    """params: page."""
    not_finished = "not_finished"
    already_finished = "already_finished"
    # envelopes (S1–S16)
    title_required = "title_required"
    parties_required = "parties_required"
    signer_required = "signer_required"
    contact_required = "contact_required"
    """params: party (index in `parties`)."""
    invalid_email = "invalid_email"
    """params: party."""
    invalid_phone = "invalid_phone"
    """params: party."""
    sms_individual_only = "sms_individual_only"
    """params: party."""
    invalid_access_code = "invalid_access_code"
    """params: party."""
    unknown_party = "unknown_party"
    """params: field (index in `fields`)."""
    field_for_share_only = "field_for_share_only"
    """params: field."""
    page_out_of_range = "page_out_of_range"
    """params: field, page."""
    field_off_page = "field_off_page"
    """params: field."""
    signature_box_required = "signature_box_required"
    """params: party, party_name."""
    envelope_not_found = "envelope_not_found"
    already_sent = "already_sent"
    not_signed = "not_signed"
    # the signer (G1–G7)
    link_invalid = "link_invalid"
    party_not_found = "party_not_found"
    no_access_code = "no_access_code"
    wrong_access_code = "wrong_access_code"
    """params: attempts_left."""
    party_locked = "party_locked"
    access_code_required = "access_code_required"
    already_signed = "already_signed"
    not_your_turn = "not_your_turn"
    text_required = "text_required"
    """params: field_id, label (may be empty)."""
    check_required = "check_required"
    """params: field_id, label (may be empty)."""
    # seals
    invalid_seal_text = "invalid_seal_text"
