"""/v1/devices: where push notifications go."""

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from api.deps import Now, SessionDep, UserSession
from api.kernel.errors import problem_responses
from api.schemas.device import DeviceIn, DeviceOut
from api.services.accounts import devices

router = APIRouter(
    prefix="/v1/devices", tags=["device"], responses=problem_responses(401, 403, 404, 429)
)

DeviceId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9._:-]{1,64}$",
        description="Chosen by the app and kept for the installation, e.g. a UUID.",
        examples=["4b0c6f1e-1d2a-4c1f-9b8e-2f5d7a3c9e10"],
    ),
]


@router.put(
    "/{device_id}",
    summary="Register this device for push notifications",
    description=(
        "Send at every app start and whenever the push token changes; repeating it changes "
        "nothing but the fields sent. A token belongs to one device: registering it here "
        "takes it from whichever device had it. 404 when the device id is someone else's. "
        "Needs the user signed in: API tokens cannot register devices."
    ),
    responses=problem_responses(422),
)
def put(
    device_id: DeviceId, body: DeviceIn, caller: UserSession, db: SessionDep, now: Now
) -> DeviceOut:
    device = devices.register_device(
        db,
        caller.user,
        device_id,
        platform=body.platform,
        token=body.token,
        app_version=body.app_version,
        now=now,
    )
    return DeviceOut.model_validate(device)


@router.delete(
    "/{device_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop push notifications to this device",
    description="Call it when the person signs out on this device.",
)
def delete(device_id: DeviceId, caller: UserSession, db: SessionDep) -> Response:
    devices.unregister_device(db, caller.user, device_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
