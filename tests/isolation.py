"""Every path that can carry a partner's data. The isolation tests walk this list, so a new
endpoint that can show a partner's anything must be added here to be covered. Paths may name
`{assignment_id}`: an assignment both partners answered and commented under."""

PARTNER_DATA_PATHS: list[str] = [
    "/v1/me",
    "/v1/me/export",
    "/v1/couple",
    "/v1/couple/stats",
    "/v1/today",
    "/v1/assignments",
    "/v1/assignments/{assignment_id}",
    "/v1/assignments/{assignment_id}/comments",
    "/v1/checkins",
]


def partner_data_paths(**ids: str) -> list[str]:
    return [path.format(**ids) for path in PARTNER_DATA_PATHS]
