/** Articles to feed items and the channel: ids, links, dates and the body every format shares. */
import { parseCalendarDate, publishInstant, type PublishTime } from '../article/calendar.js';
import { articleBodyHtml } from '../article/html.js';
import { feedId, itemId } from '../article/identity.js';
import type { Article } from '../article/types.js';
import type { FeedConfig } from '../config.js';
import { ARTICLES_PREFIX, SITE_FILES } from '../site-files.js';
import type { FeedChannel, PublishedArticle } from './model.js';

/** Where an article's page lives, relative to the site root (and the bucket root): its object key. */
export function articlePath(slug: string): string {
  return `${ARTICLES_PREFIX}${slug}.html`;
}

/** The same path as a relative link: the slug may hold any script, so it is percent-encoded. */
export function articleHref(slug: string): string {
  return articlePath(encodeURIComponent(slug));
}

export function articleUrl(config: Pick<FeedConfig, 'siteUrl'>, slug: string): string {
  return config.siteUrl + articleHref(slug);
}

/** What a feed entry needs of an article beyond its file name, slug and dates: small enough to keep between runs. */
export interface EntryText {
  readonly title: string;
  /** The first paragraph, plain text. */
  readonly lede: string;
  /** The body as an HTML fragment. */
  readonly html: string;
  /** The article's own language, when its seed declares one; kept here so a cached entry keeps it. */
  readonly language?: string;
}

export function entryText(article: Article): EntryText {
  const text = { title: article.title, lede: article.lede, html: articleBodyHtml(article) };
  // Absent rather than undefined: the entry of an article without a `lang` line stays exactly what it was.
  return article.language === undefined ? text : { ...text, language: article.language };
}

export interface EntrySource {
  readonly fileName: string;
  /** `YYYY-MM-DD`, a day that exists (it was parsed from the seed). */
  readonly day: string;
  readonly slug: string;
  /** ISO instant of the last change after publication, if any. */
  readonly updated?: string;
  readonly text: EntryText;
}

// A run asks for the publish instant of every archived article; many share a day.
const instants = new WeakMap<PublishTime, Map<string, number>>();

/** The moment an article goes out: its calendar day at the configured time and zone. */
export function publishedAt(day: string, config: Pick<FeedConfig, 'publishTime'>): Date {
  return new Date(publishedInstant(day, config));
}

/** The same instant in milliseconds, for the loops over a whole archive (no Date to allocate). */
export function publishedInstant(day: string, config: Pick<FeedConfig, 'publishTime'>): number {
  let byDay = instants.get(config.publishTime);
  if (byDay === undefined) {
    byDay = new Map();
    instants.set(config.publishTime, byDay);
  }
  let instant = byDay.get(day);
  if (instant === undefined) {
    const date = parseCalendarDate(day);
    if (!date) throw new Error(`${day} is not a calendar date`);
    instant = publishInstant(date, config.publishTime).getTime();
    byDay.set(day, instant);
  }
  return instant;
}

/**
 * `updated` is the publish time unless the article changed later (the publish manifest records
 * when a published article's text last changed): that is the only way the clock reaches a feed.
 */
export function publishedArticle(source: EntrySource, config: FeedConfig, published = publishedAt(source.day, config)): PublishedArticle {
  return {
    slug: source.slug,
    day: source.day,
    item: {
      id: itemId(config.idPrefix, source.fileName),
      title: source.text.title,
      url: articleUrl(config, source.slug),
      published,
      day: source.day,
      updated: itemUpdated(source.updated, published),
      summary: source.text.lede,
      contentHtml: source.text.html,
      author: config.author,
      ...(source.text.language === undefined ? {} : { language: source.text.language }),
    },
  };
}

/** An item's `updated` (Atom) and `date_modified` (JSON Feed): its edit date when later than its publication, else that. */
export function itemUpdated(updated: string | undefined, published: Date): Date {
  const edited = updated === undefined ? undefined : new Date(updated);
  return edited && edited > published ? edited : published;
}

export function feedChannel(config: FeedConfig): FeedChannel {
  return {
    id: feedId(config.idPrefix),
    title: config.title,
    description: config.description,
    language: config.language,
    homeUrl: config.homeUrl,
    feedUrls: config.feedUrls,
    stylesheet: `${config.siteUrl}${SITE_FILES.feedStyle}`,
    author: config.author,
    ttlMinutes: config.ttlMinutes,
    ...(config.copyright ? { copyright: config.copyright } : {}),
    ...(config.icon ? { icon: config.icon } : {}),
    ...(config.websubHub ? { hub: config.websubHub } : {}),
  };
}
