"""/v1/users/{user_id}/... for service keys, mirrored at /v1/me/... for user tokens."""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, stream_with_context
from flask_smorest import Blueprint

from schemas import examples
from schemas.events import HistoryPage, HistoryQuery, StarPage
from schemas.pagination import PageQuery
from schemas.tokens import TokenIn, TokenOut, TokensRevoked
from schemas.users import UserDetail, UserExport, UserIn, UserOut
from services import auth, users
from services.api.security import current_principal, requires
from services.api.v1.common import page, settings
from services.errors import InvalidInput
from services.web.transaction import conn

blp = Blueprint("users", __name__, url_prefix="/v1", description="Users, their stars and history")


@blp.route("/users/<user_id>", methods=["PUT"], endpoint="put_user")
@blp.route("/me", methods=["PUT"], endpoint="put_me")
@requires("write")
@blp.arguments(UserIn(), example=examples.USER_IN)
@blp.response(200, UserDetail, description="Updated")
@blp.alt_response(201, schema=UserDetail, description="Created")
def put_user(fields, user_id):
    """Create or replace a user's profile; `seed_papers` (up to 100 ids) are starred at once, so the first
    feed already reflects them (unknown ids: 422, nothing stored)."""
    user, created = users.upsert(conn(), user_id, fields)
    return user, 201 if created else 200


@blp.route("/users/<user_id>", methods=["GET"], endpoint="get_user")
@blp.route("/me", methods=["GET"], endpoint="get_me")
@requires("read")
@blp.response(200, UserDetail)
def get_user(user_id):
    """A user with counts of their stars, reads, events, subscriptions and unread alerts."""
    return users.get(conn(), user_id)


@blp.route("/users/<user_id>", methods=["DELETE"], endpoint="delete_user")
@blp.route("/me", methods=["DELETE"], endpoint="delete_me")
@requires("write")
@blp.response(204)
def delete_user(user_id):
    """Erase the user: every event, star, subscription, alert and token of theirs, in one transaction."""
    users.delete(conn(), user_id)


@blp.route("/users/<user_id>/export", methods=["GET"], endpoint="export_user")
@blp.route("/me/export", methods=["GET"], endpoint="export_me")
@requires("read")
@blp.response(200, UserExport)
def export(user_id):
    """All data held about the user, as JSON (streamed: rows are read from the database as they are sent)."""
    user, tables = users.export(conn(), user_id)
    return Response(stream_with_context(_export_document(user, tables)), mimetype="application/json")


def _export_document(user, tables):
    """The UserExport document, piece by piece (rows encoded as the API encodes any JSON)."""
    encode = current_app.json.dumps
    yield '{"user":' + encode(UserOut().dump(user))
    for table, rows in tables:
        yield f',"{table}":['
        for n, row in enumerate(rows):
            yield ("," if n else "") + encode(row)
        yield "]"
    yield ',"exported_at":' + encode(UserExport().dump({"exported_at": dt.datetime.now(dt.UTC)})["exported_at"]) + "}"


@blp.route("/users/<user_id>/stars", methods=["GET"], endpoint="list_user_stars")
@blp.route("/me/stars", methods=["GET"], endpoint="list_my_stars")
@requires("read")
@blp.arguments(PageQuery(), location="query")
@blp.response(200, StarPage)
def stars(args, user_id):
    """The user's starred papers, newest star first."""
    return users.stars(conn(), user_id, page(args, "stars"))


@blp.route("/users/<user_id>/history", methods=["GET"], endpoint="list_user_history")
@blp.route("/me/history", methods=["GET"], endpoint="list_my_history")
@requires("read")
@blp.arguments(HistoryQuery(), location="query")
@blp.response(200, HistoryPage)
def history(args, user_id):
    """The user's events, newest first, optionally of one type."""
    return users.history(conn(), user_id, page(args, "history"), args.get("type"))


@blp.route("/users/<user_id>/tokens", methods=["POST"], endpoint="mint_user_token")
@requires("write")
@blp.arguments(TokenIn(), example=examples.TOKEN_IN)
@blp.response(201, TokenOut, example=examples.TOKEN_OUT)
def mint_token(body, user_id):
    """Mint a signed, expiring token that lets a client app act as this user on /v1/me/... only."""
    s = settings()
    ttl = body.get("ttl_seconds") or s.token_ttl_default_seconds
    if ttl > s.token_ttl_max_seconds:
        raise InvalidInput("ttl_seconds", f"must be at most {s.token_ttl_max_seconds}")
    token, expires_at = auth.mint_user_token(conn(), s.require("secret_key"), key=current_principal(),
                                             user_id=user_id, ttl_seconds=ttl)
    return {"token": token, "expires_at": expires_at}


@blp.route("/users/<user_id>/tokens/revoke", methods=["POST"], endpoint="revoke_user_tokens")
@blp.route("/me/tokens/revoke", methods=["POST"], endpoint="revoke_my_tokens")
@requires("write")
@blp.response(200, TokensRevoked)
def revoke_tokens(user_id):
    """Refuse every user token of this user issued until now (a lost phone, a leaked token; on /me the
    calling token included). Tokens minted afterwards work."""
    return {"revoked_before": users.revoke_tokens(conn(), user_id)}
