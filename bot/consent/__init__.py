"""Consents: an append-only audit trail of what each person agreed to, and when, where and to which wording."""
