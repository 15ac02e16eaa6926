"""Blob store engines behind `services.common.blobs`: a content-addressed folder and GridFS."""

import re

BLOB_ID = re.compile(r"[0-9a-f]{64}")


def valid_blob_id(blob_id: object) -> bool:
    """A lowercase SHA-256 hex digest and nothing else (so no id can name a path)."""
    return isinstance(blob_id, str) and BLOB_ID.fullmatch(blob_id) is not None
