/** Page addresses and edit dates read back from the published JSON feeds, for a run with no manifest to trust. */
import { describe, expect, it } from 'vitest';
import { jsonFeedKeys, recoverArticles, slugOf } from '../../src/publish/recovered.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { utf8 } from './support.js';

const SITE = 'https://news.example.org/';

describe('slugOf', () => {
  it.each([
    [`${SITE}articles/2026-02-01-harbour.html`, '2026-02-01-harbour'],
    [`${SITE}articles/2026-02-01-%D0%BC%D1%96%D1%81%D1%82.html`, '2026-02-01-міст'],
  ])('reads the slug of %s', (url, slug) => {
    // Act & Assess
    expect(slugOf(url, SITE)).toBe(slug);
  });

  it.each([
    ['another site', 'https://elsewhere.example/articles/a.html'],
    ['a page outside articles/', `${SITE}index.html`],
    ['a page in a subfolder', `${SITE}articles/x/a.html`],
    ['an encoded slash', `${SITE}articles/x%2Fa.html`],
    ['a dot-dot', `${SITE}articles/...html`],
    ['a broken escape', `${SITE}articles/%E0%A4.html`],
    ['no .html', `${SITE}articles/a`],
  ])('reads nothing from %s', (_what, url) => {
    // Act & Assess
    expect(slugOf(url, SITE)).toBeUndefined();
  });
});

describe('recoverArticles', () => {
  it('reads every item of feed.json and the JSON archives, its edit date only when it differs from its publication, a page for its first claimant only, and passes over what it cannot read', async () => {
    // Prepare
    const storage = new MemoryStorage();
    const feed = (items: unknown[]) => utf8(JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', items }));
    const day = '2026-02-01T00:00:00.000Z';
    await storage.put(
      'feed.json',
      feed([{ id: 'tag:x:articles/a', url: `${SITE}articles/a.html`, date_published: day, date_modified: day }]),
      {
        contentType: 'application/json',
      },
    );
    await storage.put(
      'archive/feed-1.json',
      feed([
        { id: 'tag:x:articles/b', url: `${SITE}articles/b.html`, date_published: day, date_modified: '2026-02-03T10:00:00.000Z' },
        { id: 'tag:x:articles/c', url: 'https://elsewhere.example/c.html', date_published: day, date_modified: day },
        { url: `${SITE}articles/d.html` },
        // The page feed.json gave to a: one page, one article.
        { id: 'tag:x:articles/e', url: `${SITE}articles/a.html`, date_published: day, date_modified: day },
      ]),
      { contentType: 'application/json' },
    );
    await storage.put('archive/feed-2.json', utf8('{"items": ['), { contentType: 'application/json' });
    const keys = jsonFeedKeys(['index.html', 'feed.json', 'rss.xml', 'archive/feed-1.json', 'archive/rss-1.xml', 'archive/feed-2.json']);

    // Act
    const recovered = await recoverArticles(storage, keys, { siteUrl: SITE });

    // Assess
    expect(keys).toEqual(['feed.json', 'archive/feed-1.json', 'archive/feed-2.json']);
    expect([...recovered]).toEqual([
      ['tag:x:articles/a', { slug: 'a' }],
      ['tag:x:articles/b', { slug: 'b', updated: '2026-02-03T10:00:00.000Z' }],
    ]);
  });
});
