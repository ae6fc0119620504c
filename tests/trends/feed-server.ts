// A local feed server for tests: serves the RSS and Atom files a test writes into a temp directory
// (it rewrites them between polls), and counts requests per path.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export type FeedItemSpec = { title: string; guid?: string; link?: string; summary?: string; date: Date };

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function rssFeed(title: string, items: FeedItemSpec[]): string {
  const entries = items
    .map(
      (i) => `    <item>
      <title>${xmlEscape(i.title)}</title>
${i.link ? `      <link>${xmlEscape(i.link)}</link>\n` : ""}${i.guid ? `      <guid isPermaLink="false">${xmlEscape(i.guid)}</guid>\n` : ""}${i.summary ? `      <description><![CDATA[<p>${i.summary}</p>]]></description>\n` : ""}      <pubDate>${i.date.toUTCString()}</pubDate>
    </item>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>${xmlEscape(title)}</title>
    <link>https://example.com/</link>
    <description>test feed</description>
${entries}
  </channel>
</rss>
`;
}

export function atomFeed(title: string, items: FeedItemSpec[]): string {
  const entries = items
    .map(
      (i) => `  <entry>
    <title>${xmlEscape(i.title)}</title>
    <id>${xmlEscape(i.guid ?? i.link ?? i.title)}</id>
${i.link ? `    <link href="${xmlEscape(i.link)}"/>\n` : ""}    <updated>${i.date.toISOString()}</updated>
${i.summary ? `    <summary>${xmlEscape(i.summary)}</summary>\n` : ""}  </entry>`,
    )
    .join("\n");
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>${xmlEscape(title)}</title>
  <id>urn:test:${xmlEscape(title)}</id>
  <updated>${new Date().toISOString()}</updated>
${entries}
</feed>
`;
}

export type FeedServer = {
  url: (name: string) => string;
  write: (name: string, text: string) => Promise<void>;
  requests: (name: string) => number;
  close: () => Promise<void>;
};

export async function startFeedServer(): Promise<FeedServer> {
  const dir = await mkdtemp(path.join(tmpdir(), "feeds-"));
  const counts = new Map<string, number>();
  const server = http.createServer(async (req, res) => {
    const name = path.basename(new URL(req.url ?? "/", "http://x").pathname);
    counts.set(name, (counts.get(name) ?? 0) + 1);
    try {
      const body = await readFile(path.join(dir, name));
      res.writeHead(200, { "content-type": name.includes("atom") ? "application/atom+xml" : "application/rss+xml" }).end(body);
    } catch {
      res.writeHead(404).end("no such feed");
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    write: (name, text) => writeFile(path.join(dir, name), text),
    requests: (name) => counts.get(name) ?? 0,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
