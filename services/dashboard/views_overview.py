"""/admin/: the overview, with charts over a selectable period."""

from __future__ import annotations

from flask import current_app, request

from services.dashboard import charts, insight
from services.dashboard.web import area, conn, render, settings

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
    metrics = current_app.extensions.get("paperfeed.metrics")
    latency = insight.feed_latency(metrics.exposition().decode()) if metrics is not None else None
    return render("overview.html", data=data, days=days, periods=insight.PERIODS, figures=figures,
                  latency=latency, queues=insight.queue_depths(settings().redis_url))
