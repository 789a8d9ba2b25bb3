"""/api/v1/accounts: the signed-in user's own API tokens."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema

from .models import ApiToken, User
from .selectors import api_token_get_for_user, api_token_list_for_user
from .services import api_token_create, api_token_revoke

router = Router()


class ApiTokenOut(Schema):
    uuid: UUID
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    is_active: bool


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(description="The token itself. Shown only in this response: store it now.")


class ApiTokenCreateIn(Schema):
    name: str = Field(min_length=1, max_length=100, description="Which system will use it.")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # the API's auth guarantees a signed-in User


@router.get("/tokens", response=list[ApiTokenOut], summary="List my API tokens")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    return list(api_token_list_for_user(user=_user(request)))


@router.post("/tokens", response={201: ApiTokenCreatedOut}, summary="Create an API token")
def create_token(request: HttpRequest, payload: ApiTokenCreateIn) -> tuple[int, dict]:
    token, raw = api_token_create(user=_user(request), name=payload.name, actor=_user(request))
    return 201, {**ApiTokenOut.from_orm(token).dict(), "token": raw}


@router.delete("/tokens/{token_uuid}", response=ApiTokenOut, summary="Revoke one of my API tokens")
def revoke_token(request: HttpRequest, token_uuid: UUID) -> ApiToken:
    token = api_token_get_for_user(user=_user(request), token_uuid=token_uuid)
    return api_token_revoke(token=token, actor=_user(request))
