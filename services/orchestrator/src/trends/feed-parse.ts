import type { FeedItem } from "@threads-agent/db";
import Parser from "rss-parser";

/** What one feed holds, normalised from RSS 2.0 or Atom. */
export type ParsedFeed = { title: string | null; items: FeedItem[] };

export class NotAFeed extends Error {
  readonly code = "not_a_feed";
}

const TITLE_MAX = 300;
const SUMMARY_MAX = 1000;
const GUID_MAX = 2048;
/** Items kept per poll: a feed with thousands of entries is an archive, not a trend list. */
export const FEED_ITEMS_MAX = 200;

// rss-parser (a kept library: RSS 0.9x/1.0/2.0 and Atom, entities, CDATA) without its fetching: we fetch under our own policy.
const parser = new Parser({ timeout: 0 });

const clean = (text: string | undefined | null, max: number): string | null => {
  const value = text?.replace(/\s+/g, " ").trim();
  if (!value) return null;
  return value.length <= max ? value : `${value.slice(0, max - 1).trimEnd()}…`;
};

/**
 * Parses a feed's text. Each item's identity is its guid (RSS) or id (Atom), else its link, else
 * its title: what makes it the same item in the next poll. Items without a title are skipped.
 */
export async function parseFeed(xml: string): Promise<ParsedFeed> {
  let feed: Awaited<ReturnType<typeof parser.parseString>>;
  try {
    feed = await parser.parseString(xml);
  } catch (err) {
    throw new NotAFeed(`not an RSS or Atom feed: ${(err as Error).message.split("\n")[0]}`);
  }
  const items: FeedItem[] = [];
  for (const item of (feed.items ?? []).slice(0, FEED_ITEMS_MAX)) {
    const title = clean(item.title, TITLE_MAX);
    if (!title) continue;
    const link = clean(item.link, GUID_MAX);
    const guid = clean(item.guid ?? (item as { id?: string }).id, GUID_MAX) ?? link ?? title;
    const date = item.isoDate ? new Date(item.isoDate) : item.pubDate ? new Date(item.pubDate) : null;
    items.push({
      guid,
      title,
      link,
      summary: clean(item.contentSnippet ?? item.summary ?? null, SUMMARY_MAX),
      published_at: date && !Number.isNaN(date.getTime()) ? date : null,
    });
  }
  return { title: clean(feed.title, TITLE_MAX), items };
}
