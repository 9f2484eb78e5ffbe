"""Every path that can carry a partner's data. The isolation tests walk this list, so a new
endpoint that can show a partner's anything must be added here to be covered."""

PARTNER_DATA_PATHS: list[str] = [
    "/v1/me",
    "/v1/me/export",
    "/v1/couple",
]
