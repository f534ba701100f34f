"""The five calls an app makes, with the generated Python client (clients/python/README.md walks through them).

Run: ``python five_calls.py https://paperfeed.example.org pf_<service key> ada``
"""

from __future__ import annotations

import sys

from paperfeed_client import AuthenticatedClient
from paperfeed_client.api.alerts import (
    list_my_alerts,
    list_my_subscriptions,
    mark_my_alert_read,
    put_my_subscription,
)
from paperfeed_client.api.events import post_my_events
from paperfeed_client.api.feed import get_my_feed
from paperfeed_client.api.users import mint_user_token
from paperfeed_client.models import EventBatchIn, FeedPage, SubscriptionIn, TokenIn, TokenOut
from paperfeed_client.models.subscription_in_channel import SubscriptionInChannel
from paperfeed_client.models.subscription_in_kind import SubscriptionInKind


def five_calls(base_url: str, service_key: str, user_id: str) -> dict:
    # 1. On your backend, with the service key: mint a user token for the signed-in reader.
    backend = AuthenticatedClient(base_url=base_url, token=service_key)
    minted = mint_user_token.sync(user_id, client=backend, body=TokenIn(ttl_seconds=3600))
    assert isinstance(minted, TokenOut), minted
    # In the app, with the user token only (it works on /v1/me/... and nowhere else).
    me = AuthenticatedClient(base_url=base_url, token=minted.token)

    # 2. The feed, with a reason for every paper; next_cursor pages on.
    feed = get_my_feed.sync(client=me, limit=10)
    assert isinstance(feed, FeedPage), feed
    first = feed.items[0]

    # 3. Events, with the feed_id (and position) that credit the feed which showed the paper.
    post_my_events.sync(client=me, body=EventBatchIn(events=[
        {"paper_id": first.paper.id, "type": "star", "context": {"feed_id": feed.feed_id, "position": 0}},
        {"paper_id": feed.items[1].paper.id, "type": "dismiss", "context": {"feed_id": feed.feed_id, "position": 1}},
    ]))

    # 4. The alert inbox: unread alerts, then mark one read.
    inbox = list_my_alerts.sync(client=me, unread=True)
    for alert in inbox.items[:1]:
        mark_my_alert_read.sync(str(alert.id), client=me)

    # 5. Subscriptions: a weekly digest in the inbox, then the list.
    put_my_subscription.sync("weekly", client=me, body=SubscriptionIn(
        kind=SubscriptionInKind.DIGEST, channel=SubscriptionInChannel.INBOX))
    subscriptions = list_my_subscriptions.sync(client=me)

    return {"starred": first.paper.id, "reasons": [r.detail for r in first.reasons], "feed_id": feed.feed_id,
            "unread": len(inbox.items), "subscriptions": [s.id for s in subscriptions.items]}


if __name__ == "__main__":
    print(five_calls(*sys.argv[1:4]))
