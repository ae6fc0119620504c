// The feed policy and parser without a network: URL checks, the connection's DNS check, RSS and Atom.
import { describe, expect, it } from "vitest";
import { checkFeedUrl, createFeedFetcher, FeedRefused, publicLookup } from "./feed-fetch.ts";
import { parseFeed } from "./feed-parse.ts";

describe("checkFeedUrl", () => {
  it("accepts public http(s) feeds and drops the fragment", () => {
    const check = checkFeedUrl("https://blog.example.com/feed.xml#top", { allowPrivate: false });
    expect(check).toMatchObject({ ok: true });
    if (check.ok) expect(check.url.toString()).toBe("https://blog.example.com/feed.xml");
  });
  it("with private feeds allowed, loopback passes but other schemes still do not", () => {
    expect(checkFeedUrl("http://127.0.0.1:8080/rss", { allowPrivate: true }).ok).toBe(true);
    expect(checkFeedUrl("ftp://127.0.0.1/rss", { allowPrivate: true }).ok).toBe(false);
  });
});

describe("the fetch's own DNS check", () => {
  it("the connection's lookup refuses a name that resolves to loopback, and passes it with private feeds allowed", async () => {
    const resolve = (allowPrivate: boolean) =>
      new Promise<{ err: Error | null; address: unknown }>((done) =>
        publicLookup(allowPrivate)("localhost", {}, (err, address) => done({ err, address })),
      );
    const refused = await resolve(false);
    expect(refused.err).toBeInstanceOf(FeedRefused);
    expect(refused.err?.message).toMatch(/resolves to (127\.0\.0\.1|::1), a private or internal address/);
    const allowed = await resolve(true);
    expect(allowed.err).toBeNull();
    expect(["127.0.0.1", "::1"]).toContain(allowed.address);
  });

  it("a refused URL is never fetched", async () => {
    const fetcher = createFeedFetcher({ allowPrivate: false, maxBytes: 1000, timeoutMs: 5000, maxRedirects: 2 });
    try {
      // checkFeedUrl already refuses "localhost" by name; the lookup is the second line for names that pass it.
      await expect(fetcher.fetch("http://localhost/feed")).rejects.toBeInstanceOf(FeedRefused);
    } finally {
      await fetcher.close();
    }
  });
});

describe("parseFeed", () => {
  it("reads RSS 2.0: guid, else link, as the identity; dates and plain-text summaries", async () => {
    const feed = await parseFeed(`<?xml version="1.0"?><rss version="2.0"><channel><title>News &amp; more</title>
      <item><title>First</title><guid>a-1</guid><link>https://e.com/1</link><description><![CDATA[<p>Hello <b>world</b></p>]]></description><pubDate>Mon, 30 Nov 2026 10:00:00 GMT</pubDate></item>
      <item><title>Second</title><link>https://e.com/2</link></item>
      <item><description>no title: skipped</description></item>
    </channel></rss>`);
    expect(feed.title).toBe("News & more");
    expect(feed.items).toEqual([
      { guid: "a-1", title: "First", link: "https://e.com/1", summary: "Hello world", published_at: new Date("2026-11-30T10:00:00Z") },
      { guid: "https://e.com/2", title: "Second", link: "https://e.com/2", summary: null, published_at: null },
    ]);
  });
  it("reads Atom: the entry id is the identity", async () => {
    const feed = await parseFeed(`<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>
      <entry><title>Entry</title><id>urn:uuid:1</id><link href="https://e.org/1"/><updated>2026-11-29T08:00:00Z</updated><summary>Short</summary></entry></feed>`);
    expect(feed.items).toEqual([
      { guid: "urn:uuid:1", title: "Entry", link: "https://e.org/1", summary: "Short", published_at: new Date("2026-11-29T08:00:00Z") },
    ]);
  });
  it("refuses what is not a feed", async () => {
    await expect(parseFeed("<html><body>hi</body></html>")).rejects.toThrow(/not an RSS or Atom feed/);
  });
});

describe("fetch bounds (a local server, private feeds allowed)", () => {
  it("checks every redirect, and stops at too many, too large or too slow", async () => {
    const http = await import("node:http");
    const server = http.createServer((req, res) => {
      if (req.url === "/to-file") res.writeHead(302, { location: "file:///etc/passwd" }).end();
      else if (req.url === "/loop") res.writeHead(302, { location: "/loop" }).end();
      else if (req.url === "/big") res.writeHead(200).end("x".repeat(5000));
      else if (req.url === "/slow") setTimeout(() => res.writeHead(200).end("late"), 3000);
      else if (req.url === "/moved") res.writeHead(301, { location: "/ok" }).end();
      else res.writeHead(200).end("<rss/>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const fetcher = createFeedFetcher({ allowPrivate: true, maxBytes: 1000, timeoutMs: 500, maxRedirects: 3 });
    try {
      expect(await fetcher.fetch(`${base}/moved`)).toBe("<rss/>");
      await expect(fetcher.fetch(`${base}/to-file`)).rejects.toThrow(/redirected to file:\/\/\/etc\/passwd: unsupported scheme file/);
      await expect(fetcher.fetch(`${base}/loop`)).rejects.toThrow(/more than 3 redirects/);
      await expect(fetcher.fetch(`${base}/big`)).rejects.toThrow(/at most 1000 are read|larger than 1000 bytes/);
      await expect(fetcher.fetch(`${base}/slow`)).rejects.toThrow(/within 500 ms/);
    } finally {
      await fetcher.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
