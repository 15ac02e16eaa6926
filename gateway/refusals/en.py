"""English refusal messages: the same shape as `ja`, for `Accept-Language: en`."""

ROLES = {
    "tenant": "Tenant",
    "guarantor": "Guarantor",
    "own_company": "Own-company signer",
    "agent": "Licensed agent",
    "landlord": "Landlord",
    "other": "Other",
}
PARTY = "Party {party_number}"

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Not possible in the current state",
    410: "Gone",
    413: "Request too large",
    422: "Invalid input",
    423: "Locked",
    429: "Too many requests",
    500: "Server error",
    502: "A service could not answer",
    503: "Service temporarily unavailable",
}

MESSAGES = {
    # the bus itself
    "invalid_request": "A service could not read the request. Please try again later.",
    "internal_error": "A service failed. Please try again later.",
    "busy": "Too many changes at once. Please try again.",
    # documents
    "upload_not_found": "The uploaded file was not found.",
    "not_pdf": "This is not a PDF file. Please upload a PDF.",
    "unreadable": "The PDF is damaged or cannot be read. Please try a PDF saved again.",
    "encrypted": "PDFs protected by a password or encryption cannot be used; remove it first.",
    "no_pages": "The PDF has no pages.",
    "too_many_pages": "Too many pages: at most {max_pages} pages.",
    "page_too_large": (
        "Page {page} is too large ({width} x {height} pt): each side must be at most {limit} pt."
    ),
    "page_too_small": (
        "Page {page} is too small to sign on ({width} x {height} pt): each side must be at "
        "least {limit} pt."
    ),
    "bad_rotation": "Page {page} has an invalid rotation. Please try a PDF saved again.",
    "decompression_bomb": "The PDF contains data that expands to an excessive size.",
    "javascript": "PDFs with JavaScript or other automatic actions are not accepted.",
    "embedded_files": "PDFs with embedded (attached) files are not accepted.",
    "document_not_found": "The document was not found.",
    "page_not_found": "Page {page} does not exist.",
    "not_finished": "The contract is not finished yet.",
    "already_finished": "This document is already finished.",
    # envelopes
    "title_required": "Enter the document title.",
    "parties_required": "Add at least one party.",
    "signer_required": "At least one party must sign.",
    "envelope_invalid": "The input has {count} problems. Please check each one.",
    "contact_required": "{party_label}: an e-mail address or a mobile number is required",
    "invalid_email": "{party_label}: the e-mail address is not valid",
    "invalid_phone": (
        "{party_label}: enter the mobile number as 11 digits (070/080/090), no hyphens"
    ),
    "sms_individual_only": (
        "{party_label}: SMS is for individuals only; give a corporation an e-mail address"
    ),
    "invalid_access_code": "{party_label}: the access code must be letters and digits",
    "name_blank": "{party_label}: enter the name",
    "name_control_character": (
        "{party_label}: the name holds a character that cannot be used ({character})"
    ),
    "name_emoji": "{party_label}: the name may not hold emoji ({character})",
    "name_unsupported_character": "{party_label}: no seal can show the character {character}",
    "recipient_required": "{party_label}: a corporation needs a recipient (the signer or a proxy)",
    "person_in_charge_corporation_only": "{party_label}: only a corporation has a person in charge",
    "access_code_individual_only": "{party_label}: only individuals can have an access code",
    "signer_change_not_allowed": (
        "{party_label}: signer change is only for an individual landlord or other party"
    ),
    "own_company_needs_certificate": (
        "{party_label}: an own-company signer needs the certificate option; "
        "add an 'other' corporation instead"
    ),
    "acquired_on_without_phone": "{party_label}: the acquisition date goes with a mobile number",
    "unknown_party": "Field {field_number}: no such party.",
    "field_for_share_only": "Field {field_number}: the party only receives the contract.",
    "page_out_of_range": "Field {field_number}: page {page} does not exist.",
    "field_off_page": "Field {field_number}: the box goes off the page.",
    "field_size": "Field {field_number}: each side must be between {min} and {max} pt.",
    "signature_box_required": "{party_label}: place at least one signature box",
    "envelope_not_found": "The signature request was not found.",
    "already_sent": "This signature request was already sent.",
    "not_signed": "Not every party has signed yet.",
    "envelope_closed": "This signature request has ended ({envelope_status}).",
    "party_not_asked": "{party_name} is neither asked nor locked, so cannot be asked again.",
    "rerequest_too_soon": (
        "{party_name} can be asked again once per 5 minutes; retry in {seconds} s."
    ),
    "invalid_cursor": "The page cursor is not valid.",
    # the signer
    "link_invalid": "This link is not valid. Please check the link in your e-mail or SMS.",
    "party_not_found": "The party was not found.",
    "no_access_code": "No access code is set.",
    "wrong_access_code": "The access code is wrong. {attempts_left} tries left.",
    "party_locked": "Locked after too many wrong access codes. Please contact the sender.",
    "party_declined": "This signature request was declined.",
    "party_replaced": "The signer was changed, so this link no longer works.",
    "consent_not_applicable": "No Article 37 consent is needed for this contract.",
    "consent_already_answered": "The Article 37 consent was already answered.",
    "id_document_not_asked": "The sender did not ask for this identity document.",
    "id_documents_missing": "Please send photos of the identity documents asked for first.",
    "access_code_required": "Enter the access code first.",
    "already_signed": "You have already signed this contract.",
    "not_your_turn": "It is not your turn to sign yet.",
    "text_required": "Fill in “{label:or the text field}”.",
    "check_required": "Tick “{label:or the checkbox}”.",
    "invalid_seal_text": "No seal can be made from this name. Please contact the sender.",
    "seal_name_empty": "The name for the seal is empty.",
    "seal_control_character": "The name contains a control character ({code_point}).",
    "seal_emoji": "A seal cannot carry emoji.",
    "seal_missing_glyph": "No installed font draws a character of the name ({code_point}).",
    "seal_not_found": "The seal image was not found.",
    "seal_image_unsupported": "The seal image must be a PNG or JPEG picture.",
    "seal_image_too_large": "The seal image is too large: at most {limit_mb} MB.",
    "seal_image_dimensions": "The seal image must be {min_px}–{max_px} pixels on each side.",
    "seal_image_blank": "No seal was found in the image (only blank paper).",
    # the gateway
    "api_key_required": "Send the API key as 'Authorization: Bearer <key>'.",
    "api_key_invalid": "The API key is not valid.",
    "file_too_large": "The file is too large: at most {limit_mb} MB.",
    "empty_file": "The file is empty.",
    "blob_not_found": "The file is not available.",
    "service_unavailable": "The {service} service did not answer. Please try again shortly.",
    "invalid_input": "The request is not valid; see `errors`.",
    "not_found": "No such page or API.",
    "method_not_allowed": "This method is not allowed here.",
    "callback_not_signed": "The request is not signed by the SMS provider.",
    "callback_invalid": "MessageSid and a known MessageStatus are required.",
    "scope_missing": "This API key's scopes do not allow this request.",
    "rate_limited": "Too many requests. Wait for the seconds in Retry-After, then try again.",
    "body_too_large": "The request body is too large: at most {limit_kb} KB.",
    "idempotency_key_reused": (
        "This Idempotency-Key was used with another request; use a new key for a new request."
    ),
    "idempotency_in_progress": (
        "A request with this Idempotency-Key is still running; retry after Retry-After."
    ),
    "bad_request": "The request could not be read.",
    "server_error": "Something went wrong on our side. Please try again later.",
    "api_key_not_found": "The API key was not found.",
    # webhooks
    "webhook_not_found": "The webhook subscription was not found.",
    "delivery_not_found": "The webhook delivery was not found.",
    "invalid_webhook_url": "The webhook URL must be an http or https URL without credentials.",
    "webhook_url_forbidden": (
        "The webhook URL leads to {address}, an internal address; use a URL reachable from "
        "the internet."
    ),
    "invalid_event_types": "Unknown event type; allowed: {allowed}.",
}

FIELD_MESSAGES = {
    "missing": "Required.",
    "extra_forbidden": "Not an accepted field.",
    "string_too_short": "Too short (at least {min_length} characters).",
    "string_too_long": "Too long (at most {max_length} characters).",
    "too_short": "Too few (at least {min_length}).",
    "too_long": "Too many (at most {max_length}).",
    "greater_than": "Must be greater than {gt}.",
    "greater_than_equal": "Must be at least {ge}.",
    "less_than": "Must be less than {lt}.",
    "less_than_equal": "Must be at most {le}.",
    "literal_error": "Must be one of: {expected}.",
    "int_parsing": "Must be an integer.",
    "float_parsing": "Must be a number.",
    "finite_number": "Must be a finite number.",
    "idempotency_key": "Must be 1–255 printable ASCII characters.",
    "bool_parsing": "Must be true or false.",
    "string_type": "Must be a string.",
    "json_invalid": "Not valid JSON.",
}
FIELD_FALLBACK = "Not a valid value."
