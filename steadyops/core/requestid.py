import re
import uuid
from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="")
_ACCEPTED = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _request_id.get()


def start_request(incoming: str | None) -> str:
    """Adopt a well-formed X-Request-ID from a proxy, or make a new one."""
    request_id = incoming if incoming and _ACCEPTED.match(incoming) else uuid.uuid4().hex
    _request_id.set(request_id)
    return request_id


def end_request() -> None:
    _request_id.set("")
