import { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";
export type { components, paths };
export type Schemas = components["schemas"];
export type FeedPage = Schemas["FeedPage"];
export type FeedItem = Schemas["FeedItem"];
export type AlertPage = Schemas["AlertPage"];
export type Subscription = Schemas["SubscriptionOut"];
export type PaperfeedClient = Client<paths>;
export interface ClientOptions {
    /** Where Paperfeed answers, e.g. "https://paperfeed.example.org" (no trailing /v1). */
    baseUrl: string;
    /**
     * A user token (pfu_..., in browsers and apps: /v1/me/... only) or, on your backend, a service key
     * (pf_...). A function is called before each request, so an expiring token can be refreshed.
     */
    token: string | (() => string | Promise<string>);
    /** Another fetch implementation (tests, older runtimes). */
    fetch?: typeof globalThis.fetch;
}
/** A typed client that sends `Authorization: Bearer <token>` on every request. */
export declare function createPaperfeedClient(options: ClientOptions): PaperfeedClient;
