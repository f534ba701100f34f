// The five calls an app makes, with the TypeScript client (clients/typescript/README.md walks through them).
// Run (after `npm run build`): node dist/examples/five-calls.js https://paperfeed.example.org pf_<service key> ada
import { createPaperfeedClient } from "../src/index.js";

export async function fiveCalls(baseUrl: string, serviceKey: string, userId: string) {
  // 1. On your backend, with the service key: mint a user token for the signed-in reader.
  const backend = createPaperfeedClient({ baseUrl, token: serviceKey });
  const minted = await backend.POST("/v1/users/{user_id}/tokens", {
    params: { path: { user_id: userId } },
    body: { ttl_seconds: 3600 },
  });
  if (!minted.data) throw new Error(`mint: ${JSON.stringify(minted.error)}`);

  // In the browser or app, with the user token only (it works on /v1/me/... and nowhere else).
  const me = createPaperfeedClient({ baseUrl, token: minted.data.token });

  // 2. The feed, with a reason for every paper; next_cursor pages on.
  const feed = await me.GET("/v1/me/feed", { params: { query: { limit: 10 } } });
  if (!feed.data) throw new Error(`feed: ${JSON.stringify(feed.error)}`);
  const [first, second] = feed.data.items;

  // 3. Events, with the feed_id (and position) that credit the feed which showed the paper.
  await me.POST("/v1/me/events", {
    body: {
      events: [
        { paper_id: first.paper.id, type: "star", context: { feed_id: feed.data.feed_id, position: 0 } },
        { paper_id: second.paper.id, type: "dismiss", context: { feed_id: feed.data.feed_id, position: 1 } },
      ],
    },
  });

  // 4. The alert inbox: unread alerts, then mark one read.
  const inbox = await me.GET("/v1/me/alerts", { params: { query: { unread: true } } });
  for (const alert of inbox.data?.items.slice(0, 1) ?? []) {
    await me.POST("/v1/me/alerts/{alert_id}/read", { params: { path: { alert_id: String(alert.id) } } });
  }

  // 5. Subscriptions: a weekly digest in the inbox, then the list.
  await me.PUT("/v1/me/subscriptions/{subscription_id}", {
    params: { path: { subscription_id: "weekly" } },
    body: { kind: "digest", channel: "inbox" },
  });
  const subscriptions = await me.GET("/v1/me/subscriptions");

  return {
    starred: first.paper.id,
    reasons: first.reasons.map((reason) => reason.detail),
    feed_id: feed.data.feed_id,
    unread: inbox.data?.items.length ?? 0,
    subscriptions: subscriptions.data?.items.map((subscription) => subscription.id) ?? [],
  };
}

if (process.argv[1]?.endsWith("five-calls.js")) {
  const [baseUrl, serviceKey, userId] = process.argv.slice(2);
  fiveCalls(baseUrl, serviceKey, userId).then((result) => console.log(JSON.stringify(result)));
}
