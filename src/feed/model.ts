/** The one typed model between articles and the three feed formats, and the order of its items. */
import { compareStrings } from '../text/order.js';

export interface Person {
  readonly name: string;
  readonly email?: string;
}

/** One entry, format-neutral: text fields are plain text, `contentHtml` is HTML. */
export interface FeedItem {
  /** Permanent, a URI (`tag:`), never shown as a link. */
  readonly id: string;
  readonly title: string;
  readonly url: string;
  readonly published: Date;
  /** The calendar day the site shows for it (`YYYY-MM-DD`, as in the seed); without it, `published`'s UTC day. */
  readonly day?: string;
  readonly updated: Date;
  readonly summary: string;
  /**
   * The full text. Left out of an item only when a feed would exceed its size limit: the
   * oldest items lose it first, and keep their summary and link.
   */
  readonly contentHtml?: string;
  readonly author: Person;
  /** The item's own language (BCP 47), when it declares one; otherwise the feed's applies. */
  readonly language?: string;
}

/** What every renderer gets: one model, three formats. There is no feed without items. */
export interface FeedModel {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly language: string;
  readonly homeUrl: string;
  readonly feedUrls: { readonly rss: string; readonly atom: string; readonly json: string };
  /** Set on an RFC 5005 archive document: the live feed's addresses, the ones to subscribe to. */
  readonly archiveOf?: { readonly rss: string; readonly atom: string; readonly json: string };
  readonly author: Person;
  readonly copyright?: string;
  readonly icon?: string;
  readonly ttlMinutes: number;
  /** A WebSub hub: the feeds name it (`rel="hub"`, JSON Feed `hubs`) so readers can subscribe for pushes. */
  readonly hub?: string;
  /** The CSS a browser shows the RSS and Atom documents with (the site's feed.css); none without a site. */
  readonly stylesheet?: string;
  /** The newest `updated` of the items: never the clock, so equal input gives equal bytes. */
  readonly updated: Date;
  readonly items: readonly [FeedItem, ...FeedItem[]];
}

/** A published article as the site shows it: its fixed page slug, its calendar day and its feed entry. */
export interface PublishedArticle {
  /** The page is `articles/SLUG.html`; fixed when the article is first published. */
  readonly slug: string;
  /** The calendar day as written in the seed, `YYYY-MM-DD`. */
  readonly day: string;
  readonly item: FeedItem;
}

export type FeedChannel = Omit<FeedModel, 'updated' | 'items'>;

/** Newest first; equal dates fall back to the id so the order never depends on input order. */
export function compareItems(a: Pick<FeedItem, 'published' | 'id'>, b: Pick<FeedItem, 'published' | 'id'>): number {
  return b.published.getTime() - a.published.getTime() || compareStrings(a.id, b.id);
}

/** The feed of the newest `limit` items, or undefined when there is nothing to publish. */
export function buildFeedModel(channel: FeedChannel, items: readonly FeedItem[], limit: number): FeedModel | undefined {
  const chosen = [...items].sort(compareItems).slice(0, limit);
  const [first, ...rest] = chosen;
  if (!first) return undefined;
  const updated = new Date(Math.max(...chosen.map((item) => item.updated.getTime())));
  return { ...channel, updated, items: [first, ...rest] };
}
