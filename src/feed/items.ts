import { publishInstant } from '../article/calendar.js';
import type { IdentifiedArticle } from '../article/corpus.js';
import { articleBodyHtml } from '../article/html.js';
import { feedId } from '../article/identity.js';
import type { FeedConfig } from '../config.js';
import type { FeedChannel, FeedItem } from './model.js';

/** Where an article's page lives, relative to the site root (and the bucket root): its object key. */
export function articlePath(slug: string): string {
  return `articles/${slug}.html`;
}

/** The same path as a relative link: the slug may hold any script, so it is percent-encoded. */
export function articleHref(slug: string): string {
  return articlePath(encodeURIComponent(slug));
}

export function articleUrl(config: Pick<FeedConfig, 'siteUrl'>, slug: string): string {
  return config.siteUrl + articleHref(slug);
}

/** The moment an article goes out: its calendar day at the configured time and zone. */
export function publishedAt(entry: IdentifiedArticle, config: Pick<FeedConfig, 'publishTime'>): Date {
  return publishInstant(entry.article.date, config.publishTime);
}

/**
 * `updated` is the publish time unless the caller knows the article changed later
 * (the publish manifest records when a published article's text last changed).
 */
export function feedItem(entry: IdentifiedArticle, config: FeedConfig, published: Date, updated?: Date): FeedItem {
  return {
    id: entry.id,
    title: entry.article.title,
    url: articleUrl(config, entry.slug),
    published,
    updated: updated && updated > published ? updated : published,
    summary: entry.article.lede,
    contentHtml: articleBodyHtml(entry.article),
    author: config.author,
  };
}

export function feedChannel(config: FeedConfig): FeedChannel {
  return {
    id: feedId(config.idPrefix),
    title: config.title,
    description: config.description,
    language: config.language,
    homeUrl: config.homeUrl,
    feedUrls: config.feedUrls,
    author: config.author,
    ttlMinutes: config.ttlMinutes,
    ...(config.copyright ? { copyright: config.copyright } : {}),
    ...(config.icon ? { icon: config.icon } : {}),
  };
}
