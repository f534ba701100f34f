export declare function fiveCalls(baseUrl: string, serviceKey: string, userId: string): Promise<{
    starred: string;
    reasons: string[];
    feed_id: string;
    unread: number;
    subscriptions: string[];
}>;
