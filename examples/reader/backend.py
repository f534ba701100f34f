"""The reader's backend: serves the static page and mints user tokens with a service key it never reveals.
Run: PAPERFEED_URL=http://127.0.0.1:8000 PAPERFEED_SERVICE_KEY=pf_... python backend.py 8010"""
import json
import os
import re
import sys
import urllib.request

from flask import Flask, abort, request, send_from_directory

API, KEY, HERE = os.environ["PAPERFEED_URL"].rstrip("/"), os.environ["PAPERFEED_SERVICE_KEY"], os.path.dirname(__file__)
app = Flask(__name__, static_folder=None)
app.add_url_rule("/", "page", lambda: send_from_directory(HERE, "index.html"))
app.add_url_rule("/app.js", "script", lambda: send_from_directory(HERE, "app.js"))
app.add_url_rule("/config.json", "config", lambda: {"api": API})  # where the page finds Paperfeed


@app.post("/token")  # your own sign-in decides who the reader is; this demo takes the name it is given
def token():
    user = (request.get_json(silent=True) or {}).get("user", "")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", user):
        abort(400)
    mint = urllib.request.Request(f"{API}/v1/users/{user}/tokens", data=b'{"ttl_seconds": 3600}', method="POST",
                                  headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    with urllib.request.urlopen(mint, timeout=10) as answer:
        return json.load(answer)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(sys.argv[1]) if len(sys.argv) > 1 else 8010)
