"""Linking and unlinking a couple, its streak and stats (SPEC §3, §5)."""
