"""marshmallow schemas: the API's request and response shapes, one module per resource.
No database or request access in here."""
