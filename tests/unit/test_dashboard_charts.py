"""Dashboard pure functions: the SVG bar chart and feed latency read from Prometheus text."""

import datetime as dt
import re

from services.dashboard.charts import bar_chart
from services.dashboard.insight import feed_latency

DAYS = [dt.date(2026, 11, 1) + dt.timedelta(days=i) for i in range(7)]


def test_bar_heights_are_proportional_and_labels_escaped():
    svg = str(bar_chart("Events <per> day", DAYS, [0, 5, 10, 0, 0, 0, 2]))
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 7 and heights[1] * 2 == heights[2] and heights[0] == 0
    assert "Events &lt;per&gt; day" in svg and "<per>" not in svg
    assert "2026-11-03: 10" in svg  # every bar's tooltip names its day and value


def test_an_empty_period_draws_no_bars():
    assert "<rect" not in str(bar_chart("x", [], []))
    assert str(bar_chart("x", DAYS, [0] * 7)).count('height="0.0"') == 7


EXPOSITION = """
# TYPE paperfeed_http_request_duration_seconds histogram
paperfeed_http_request_duration_seconds_bucket{endpoint="/v1/users/<user_id>/feed",le="0.1",method="GET"} 50.0
paperfeed_http_request_duration_seconds_bucket{endpoint="/v1/users/<user_id>/feed",le="0.25",method="GET"} 90.0
paperfeed_http_request_duration_seconds_bucket{endpoint="/v1/users/<user_id>/feed",le="+Inf",method="GET"} 100.0
paperfeed_http_request_duration_seconds_count{endpoint="/v1/users/<user_id>/feed",method="GET"} 100.0
paperfeed_http_request_duration_seconds_sum{endpoint="/v1/users/<user_id>/feed",method="GET"} 12.0
paperfeed_http_request_duration_seconds_bucket{endpoint="/v1/papers",le="0.1",method="GET"} 7.0
paperfeed_http_request_duration_seconds_bucket{endpoint="/v1/papers",le="+Inf",method="GET"} 7.0
paperfeed_http_request_duration_seconds_count{endpoint="/v1/papers",method="GET"} 7.0
paperfeed_http_request_duration_seconds_sum{endpoint="/v1/papers",method="GET"} 0.1
"""


def test_feed_latency_counts_only_feed_requests_and_interpolates_quantiles():
    latency = feed_latency(EXPOSITION)
    assert latency["requests"] == 100 and abs(latency["mean"] - 0.12) < 1e-9
    assert abs(latency["p50"] - 0.1) < 1e-9  # the 50th request is the last in the first bucket
    assert latency["p95"] == 0.25  # in the +Inf bucket: the last finite bound, never a made-up number
    assert feed_latency("") == {"requests": 0, "mean": None, "p50": None, "p95": None}
