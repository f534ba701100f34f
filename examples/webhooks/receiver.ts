// A Paperfeed webhook receiver in TypeScript (Node 18+, no dependencies): verify, refuse stale, drop repeats.
//
// Paperfeed signs deliveries the Standard Webhooks way (https://www.standardwebhooks.com):
// `webhook-signature` holds `v1,<base64 HMAC-SHA256>` entries over "{webhook-id}.{webhook-timestamp}.{body}",
// keyed with your subscription's `webhook_signing_secret` (`whsec_<base64 key>`). The timestamp is signed,
// so refusing old ones stops a captured delivery from being replayed; `webhook-id` is the same on every
// retry of one delivery, so remembering it drops repeats.
//
// Run: PAPERFEED_WEBHOOK_SECRET=whsec_... node receiver.js 8080   (after `tsc`)
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";

const TOLERANCE_SECONDS = 5 * 60; // refuse deliveries signed longer ago (or further ahead) than this

export class InvalidWebhook extends Error {}

/** The delivery's JSON if it is signed with `secret` and fresh; throws InvalidWebhook otherwise. */
export function verify(secret: string, headers: IncomingHttpHeaders, body: Buffer, now = Date.now() / 1000): any {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (typeof id !== "string" || typeof timestamp !== "string" || typeof signatures !== "string") {
    throw new InvalidWebhook("missing webhook-id, webhook-timestamp or webhook-signature");
  }
  if (!/^\d+$/.test(timestamp) || Math.abs(now - Number(timestamp)) > TOLERANCE_SECONDS) {
    throw new InvalidWebhook("timestamp missing, too old or too far ahead");
  }
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
  for (const entry of signatures.split(" ")) {
    const [version, signature = ""] = entry.split(",", 2);
    const given = Buffer.from(signature, "base64");
    if (version === "v1" && given.length === expected.length && timingSafeEqual(given, expected)) {
      return JSON.parse(body.toString("utf8"));
    }
  }
  throw new InvalidWebhook("no valid signature");
}

export function serve(port: number, secret: string): void {
  const seen = new Set<string>(); // use your database in production: ids must outlive a restart
  createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        const delivery = verify(secret, request.headers, Buffer.concat(chunks));
        const id = request.headers["webhook-id"] as string;
        if (!seen.has(id)) { // a retry of a delivery already handled: skip it
          seen.add(id);
          console.log(JSON.stringify({ id, papers: delivery.items.map((item: any) => item.paper.id) }));
        }
        response.writeHead(204).end();
      } catch (error) {
        console.error(JSON.stringify({ rejected: String(error) }));
        response.writeHead(400).end();
      }
    });
  }).listen(port, "127.0.0.1");
}

if (process.argv[1]?.endsWith("receiver.js")) {
  serve(Number(process.argv[2] ?? 8080), process.env.PAPERFEED_WEBHOOK_SECRET ?? "");
}
