"""The error body of every failed request (RFC 9457 problem details)."""

from marshmallow import Schema, fields


class Problem(Schema):
    type = fields.String(metadata={"description": "A URI naming the kind of problem ('about:blank' if generic)."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Field path → messages, for validation failures."},
    )
