"""Bodies of push registrations."""

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from api.schemas.base import RequestBody, ResponseBody

Platform = Literal["ios", "android", "web"]
# Printable text only: a NUL byte, for one, cannot even be stored by PostgreSQL.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f\x7f]+$"


class DeviceIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"platform": "ios", "token": "9f1c2b7e4d0a…", "app_version": "1.4.2"}]
        }
    )

    platform: Platform
    token: str = Field(
        min_length=1,
        max_length=1024,
        pattern=NO_CONTROL_CHARACTERS,
        description="The push token from APNs, FCM or the browser's push service.",
    )
    app_version: str | None = Field(
        default=None, max_length=32, pattern=NO_CONTROL_CHARACTERS, examples=["1.4.2"]
    )


class DeviceOut(ResponseBody):
    id: str
    platform: Platform
    token: str | None = Field(
        description="Null once the token was registered by another device, until this device "
        "registers again."
    )
    app_version: str | None
    created_at: datetime
    updated_at: datetime
