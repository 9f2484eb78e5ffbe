"""Accounts, login sessions, mail tokens, devices and API tokens (SPEC §2, §7)."""
