/**
 * What the suites of broken seeds share: numbered notes, one a day from 2026-01-01, each with its
 * own "Good text N." to find in the documents; a header that no longer parses; and where a text
 * is published.
 */
import { seed, testFeedConfig, text } from './support.js';
import type { Site } from './support-site.js';

/** A header with a day not on the calendar: the seed no longer parses. */
export const BROKEN = 'date 2026-02-30 Impossible Day\n\nBroken text.\n';

export const dayOf = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);
export const fileOf = (n: number) => `${dayOf(n)}-n${n}.txt`;
export const pageOf = (n: number) => `articles/${dayOf(n)}-note-${n}.html`;
export const contentOf = (n: number, body = `Good text ${n}.`) => seed(dayOf(n), `Note ${n}`, body);

/** Notes `from` to `to` (not included), each with its good text or `body(n)`. */
export const notes = (from: number, to: number, body?: (n: number) => string): Record<string, string> =>
  Object.fromEntries(Array.from({ length: to - from }, (_, i) => [fileOf(from + i), contentOf(from + i, body?.(from + i))]));

/** Every JSON document (feed.json and the JSON archives) with an item carrying `needle` in its content, sorted. */
export function jsonDocsWith(s: Site, needle: string): string[] {
  const docs: string[] = [];
  for (const [key, object] of s.site.objects) {
    if (!(key === 'feed.json' || (key.startsWith('archive/feed-') && key.endsWith('.json')))) continue;
    const items = (JSON.parse(text(object.body)) as { items: { content_html?: string }[] }).items;
    for (const item of items) if (item.content_html?.includes(needle)) docs.push(key);
  }
  return docs.sort();
}

/** The site's settings from here on: the test config with these overrides. */
export function settingsWith(s: Site, overrides: Record<string, unknown>, siteUrl?: string): void {
  s.settings = { ...s.settings, config: testFeedConfig(overrides, siteUrl) };
}
