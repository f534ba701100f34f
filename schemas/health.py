"""Health and readiness shapes."""

from marshmallow import Schema, fields


class Health(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class Readiness(Schema):
    status = fields.String(required=True, metadata={"description": "'ready' or 'not ready'"})
    checks = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "component → 'ok' or what is wrong"})
