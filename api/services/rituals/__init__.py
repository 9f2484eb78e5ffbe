"""Rituals between the dailies: appreciations, the gentle nudge, the pause, the monthly pulse
(SPEC §5, "Rituals between the dailies")."""
