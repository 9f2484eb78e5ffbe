"""The daily and its answers: delivery, answering, the reveal, comments, reactions,
check-ins (SPEC §5)."""
