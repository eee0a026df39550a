"""The anonymised event log: every request and its outcome, keyed by a salted hash, never an id."""
