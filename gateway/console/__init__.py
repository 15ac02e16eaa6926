"""The staff console (A1–A4, S1–S16, D1–D5, B3–B5): pages served by the gateway."""
