"""Health and readiness shapes."""

from marshmallow import Schema, fields


class Health(Schema):
    status = fields.String(required=True, metadata={"example": "ok"})


class Readiness(Schema):
    status = fields.String(required=True, metadata={"description": "'ready' or 'not ready'"})
    checks = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "component → 'ok' or what is wrong"})
    serving = fields.Dict(keys=fields.String(), values=fields.String(),
                          metadata={"description": "artifact kind → the version this process serves"})
    instance = fields.String(metadata={"description": "an opaque id of the answering API worker process"})
    warnings = fields.Dict(keys=fields.String(), values=fields.String(),
                           metadata={"description": "component → what is degraded while it still serves"})
