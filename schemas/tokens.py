"""User token shapes."""

from marshmallow import Schema, fields, validate

from schemas.common import Body


class TokenIn(Body):
    ttl_seconds = fields.Integer(validate=validate.Range(min=60, max=365 * 86400), load_default=None,
                                 metadata={"description": "Lifetime (default 3600; at most TOKEN_TTL_MAX_SECONDS)."})


class TokenOut(Schema):
    token = fields.String(required=True, metadata={"description": "Send as `Authorization: Bearer <token>` "
                                                                  "to /v1/me/... only."})
    expires_at = fields.DateTime(required=True)


class TokensRevoked(Schema):
    revoked_before = fields.DateTime(required=True, metadata={
        "description": "Every user token of this user issued at or before this instant is refused from now on."})
