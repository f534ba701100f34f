"""The ceiling a feed request can approach: a minimal Flask view returning 50 small dicts, served by
the same gunicorn settings as the API (bench/feed.py measures both in one run)."""

from flask import Flask, jsonify


def create_app() -> Flask:
    app = Flask("minimal")
    items = [{"id": f"p{i}", "score": 1.0 / (i + 1), "title": f"Paper {i}"} for i in range(50)]

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.get("/items")
    def listing():
        return jsonify(items=items)

    return app
