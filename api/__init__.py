"""Attune: the backend of a couples app."""
