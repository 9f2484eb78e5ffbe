"""Offline sync: pulling the change stream and replaying pushed mutations (SPEC §6)."""
