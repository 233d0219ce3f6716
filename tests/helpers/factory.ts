/**
 * Small factories for hand-built feed models, configs and seed files. Every date is fixed:
 * nothing here reads the clock.
 */
import type { SeedFile } from '../../src/article/corpus.js';
import type { FeedConfig } from '../../src/config.js';
import type { FeedItem, FeedModel, Person } from '../../src/feed/model.js';

export const SITE_URL = 'https://news.example.org/';
export const ID_PREFIX = 'tag:news.example.org,2026:';
export const DESK: Person = { name: 'News Desk', email: 'desk@example.org' };

/** One item; anything not given is derived from `id` so items differ from each other. */
export function makeItem(overrides: Partial<FeedItem> & Pick<FeedItem, 'id'>): FeedItem {
  const stem = overrides.id.replace(/^.*\//, '');
  const published = overrides.published ?? new Date('2026-02-01T00:00:00.000Z');
  return {
    title: `Title of ${stem}`,
    url: `${SITE_URL}articles/${stem}.html`,
    published,
    updated: published,
    summary: `Summary of ${stem}.`,
    contentHtml: `<p>Summary of ${stem}.</p>\n<p>More about ${stem}.</p>`,
    author: DESK,
    ...overrides,
  };
}

/** A model around the given items (in the order given); `updated` defaults to the newest item's. */
export function makeModel(items: readonly [FeedItem, ...FeedItem[]], overrides: Partial<Omit<FeedModel, 'items'>> = {}): FeedModel {
  return {
    id: `${ID_PREFIX}feed`,
    title: 'Example News',
    description: 'Reports from an example newsroom.',
    language: 'en',
    homeUrl: SITE_URL,
    feedUrls: { rss: `${SITE_URL}rss.xml`, atom: `${SITE_URL}atom.xml`, json: `${SITE_URL}feed.json` },
    author: DESK,
    ttlMinutes: 30,
    updated: new Date(Math.max(...items.map((item) => item.updated.getTime()))),
    ...overrides,
    items,
  };
}

/** A valid, complete config as loadFeedConfig would return it. */
export function makeConfig(overrides: Partial<FeedConfig> = {}): FeedConfig {
  return {
    title: 'Example News',
    description: 'Reports from an example newsroom.',
    siteUrl: SITE_URL,
    homeUrl: SITE_URL,
    feedUrls: { rss: `${SITE_URL}rss.xml`, atom: `${SITE_URL}atom.xml`, json: `${SITE_URL}feed.json` },
    language: 'en',
    author: DESK,
    itemLimit: 50,
    idPrefix: ID_PREFIX,
    publishTime: { hour: 0, minute: 0, timeZone: 'UTC' },
    ttlMinutes: 60,
    ...overrides,
  };
}

/** The config file contents that describe makeConfig()'s defaults. */
export function configFileJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: 'Example News',
    description: 'Reports from an example newsroom.',
    siteUrl: SITE_URL,
    language: 'en',
    author: { name: DESK.name, email: DESK.email },
    idPrefix: ID_PREFIX,
    ...overrides,
  };
}

/** Seed text: the header line, then blank-line separated paragraphs. */
export function seedText(date: string, title: string, ...paragraphs: string[]): string {
  return `${[`date ${date} ${title}`, ...paragraphs].join('\n\n')}\n`;
}

export function seedFile(fileName: string, content: string | Uint8Array): SeedFile {
  return { fileName, bytes: typeof content === 'string' ? new TextEncoder().encode(content) : content };
}
