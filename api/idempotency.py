"""Creating calls honour an `Idempotency-Key`: the same key and body give the same response and
one set of events; the same key with another body is refused.

The new record's id is derived from the user and the key, so even two replays racing each other
cannot create two records: the event store refuses the second id.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Annotated
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from fastapi import Depends, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.deps import AccountsDep, UserDep, etag
from api.problems import ApiProblemError
from api.schemas.common import Created
from api.security.accounts import Accounts, User, body_digest
from domain.application import Saved

WAIT_FOR_FIRST = 10.0


class Idempotency:
    def __init__(self, user: User, accounts: Accounts, key: str | None) -> None:
        self.user, self.accounts, self.key = user, accounts, key

    def create(
        self, kind: str, location: str, body: BaseModel, run: Callable[[UUID], Saved]
    ) -> JSONResponse:
        """Create a record (`run(new_id)`) once per key; `location` is formatted with `{id}`."""
        if self.key is None:
            return _created(location, uuid4(), run)
        digest = body_digest(f"{kind}:{body.model_dump_json()}")
        deadline = time.monotonic() + WAIT_FOR_FIRST
        while True:
            stored = self.accounts.claim_key(self.user.user_id, self.key, digest)
            if stored is None:
                return self._create_claimed(kind, location, digest, run)
            if stored.body_hash != digest:
                raise ApiProblemError(
                    422,
                    "Idempotency key reused",
                    "This key was used with a different request.",
                    "idempotency-key-reused",
                )
            if stored.status is not None and stored.response and stored.headers:
                return JSONResponse(
                    json.loads(stored.response), stored.status, headers=json.loads(stored.headers)
                )
            if time.monotonic() > deadline:
                raise ApiProblemError(
                    409,
                    "Request still in progress",
                    "The first request with this key has not finished; try again.",
                    "idempotency-in-progress",
                )
            time.sleep(0.02)

    def _create_claimed(
        self, kind: str, location: str, digest: str, run: Callable[[UUID], Saved]
    ) -> JSONResponse:
        assert self.key is not None
        new_id = uuid5(NAMESPACE_URL, f"goldenthread:{self.user.user_id}:{kind}:{self.key}")
        try:
            response = _created(location, new_id, run)
        except BaseException:
            self.accounts.release_key(self.user.user_id, self.key)
            raise
        headers = {"Location": response.headers["Location"], "ETag": response.headers["ETag"]}
        self.accounts.store_response(
            self.user.user_id,
            self.key,
            response.status_code,
            bytes(response.body).decode(),
            json.dumps(headers),
        )
        return response


def _created(location: str, new_id: UUID, run: Callable[[UUID], Saved]) -> JSONResponse:
    saved = run(new_id)
    body = Created(id=new_id, position=saved.position, version=saved.version)
    return JSONResponse(
        body.model_dump(mode="json"),
        status_code=201,
        headers={"Location": location.format(id=new_id), "ETag": etag(saved.version)},
    )


async def idempotency(
    user: UserDep,
    accounts: AccountsDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="Makes the call safe to repeat: same key and body, same result.",
        ),
    ] = None,
) -> Idempotency:
    return Idempotency(user, accounts, idempotency_key)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
