"""Every path that can carry a partner's data. The isolation tests walk this list, so a new
endpoint that can show a partner's anything must be added here to be covered. Paths may name
`{assignment_id}`: an assignment both partners answered and commented under; and `{month}`:
a month of the monthly pulse, the current one unless given."""

from datetime import UTC, datetime

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
    "/v1/appreciations",
    "/v1/pulse/{month}",
    "/v1/sync",
]


def partner_data_paths(**ids: str) -> list[str]:
    ids = {"month": datetime.now(UTC).strftime("%Y-%m")} | ids
    return [path.format(**ids) for path in PARTNER_DATA_PATHS]
