"""/admin/: the overview, with charts over a selectable period."""

from __future__ import annotations

from flask import request

from services.dashboard import charts, insight
from services.dashboard.blueprints import area
from services.dashboard.view_helpers import conn, render, settings, shared

bp = area("overview")

CHARTS = (("events", "Events per day"), ("active_users", "Active users per day"),
          ("feeds", "Feed requests per day"), ("new_users", "New users per day"),
          ("stars", "Stars per day"), ("failed_jobs", "Failed jobs per day"))


@bp.route("/")
def index() -> str:
    days = request.args.get("days", 30, type=int)
    days = days if days in insight.PERIODS else 30
    data = insight.overview(conn(), settings(), days=days)
    dates = [row["day"] for row in data["daily"]]
    figures = [(title, charts.bar_chart(title, dates, [row[key] for row in data["daily"]]))
               for key, title in CHARTS]
    latency = insight.feed_latency(shared().metrics.exposition().decode())
    return render("overview.html", data=data, days=days, periods=insight.PERIODS, figures=figures,
                  latency=latency, queues=insight.queue_depths(settings().redis_url))
