/** Page addresses and edit dates read back from the published JSON feeds, for a run with no manifest to trust. */
import { describe, expect, it } from 'vitest';
import { archiveLayout, jsonFeedKeys, recoverSite, slugOf } from '../../src/publish/recovered.js';
import { MemoryStorage } from '../helpers/memory-storage.js';
import { seed, testFeedConfig, utf8 } from './support.js';
import { correctedSite, MANIFEST, memorySite, stoppedAtRead } from './support-site.js';

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

describe('recoverSite', () => {
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
    const { articles: recovered } = await recoverSite(storage, keys, { siteUrl: SITE }, new Date('2100-01-01T00:00:00Z'));

    // Assess
    expect(keys).toEqual(['feed.json', 'archive/feed-1.json', 'archive/feed-2.json']);
    expect([...recovered]).toEqual([
      ['tag:x:articles/a', { slug: 'a' }],
      ['tag:x:articles/b', { slug: 'b', updated: '2026-02-03T10:00:00.000Z' }],
    ]);
  });
});

describe('a run with the manifest lost', () => {
  it('unpublishes articles whose seeds went meanwhile even when the run that recovered them stopped part way', async () => {
    // Prepare: a hundred articles published; then the manifest lost and 18 seeds deleted (18 %,
    // within the guard's 20 %).
    const files: Record<string, string> = {};
    for (let n = 0; n < 100; n++) {
      const day = new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);
      files[`${day}-note.txt`] = seed(day, `Note ${n}`, `Text ${n}.`);
    }
    const s = memorySite(files, { now: new Date('2026-06-01T06:00:00Z'), config: testFeedConfig({ itemLimit: 4 }) });
    await s.run();
    const pagesBefore = [...s.site.objects.keys()].filter((key) => key.startsWith('articles/'));
    await s.site.delete(MANIFEST);
    const gone = Object.keys(files).filter((_, n) => n % 5 === 1 && n < 90);
    for (const name of gone) await s.deleteSeed(name);
    // A run stopped in its second batch of seed reads: it saves the 64 records it got to, and
    // the 18 it recovered for the gone ones.
    await stoppedAtRead(s, 70);

    // Act
    const next = await s.run();

    // Assess: 18 of a hundred leave, within the guard's share, and their pages go.
    expect(gone).toHaveLength(18);
    expect(next.articles).toMatchObject({ published: 82, unpublished: 18 });
    // The records the stopped run kept are taken as they are: no manifest rebuilt, nothing recovered again.
    expect(next.warnings).toEqual([]);
    const pagesAfter = [...s.site.objects.keys()].filter((key) => key.startsWith('articles/'));
    expect(pagesAfter).toHaveLength(82);
    expect(next.objects.deletedKeys.filter((key) => key.startsWith('articles/'))).toEqual(
      pagesBefore.filter((key) => !pagesAfter.includes(key)).sort(),
    );
  });
});

describe('a run with the manifest lost, stopped part way', () => {
  it.each([
    { stops: [70], when: 'once, in its second batch of seed reads' },
    { stops: [70, 10], when: 'and the run carrying on stops too' },
  ])('leaves the articles it did not reach their page addresses and edit dates: stopped $when', async ({ stops }) => {
    // Prepare: the same history twice; the reference never loses its manifest.
    const reference = await correctedSite();
    await reference.run();
    const s = await correctedSite();
    await s.site.delete(MANIFEST);
    for (const atRead of stops) await stoppedAtRead(s, atRead);

    // Act
    const next = await s.run();

    // Assess: the same pages under the same addresses, the same feeds and archives, as a site
    // that never lost its manifest; nothing unpublished, no page left behind.
    expect(next.articles.unpublished).toBe(0);
    expect(s.snapshot({ withManifest: false })).toEqual(reference.snapshot({ withManifest: false }));
  });
});

describe('archiveLayout', () => {
  const config = { idPrefix: 'tag:x:', itemLimit: 2, publishTime: { hour: 6, minute: 0, timeZone: 'America/New_York' } };
  const item = (name: string, published: string) => ({ id: `tag:x:articles/${name}`, published });

  it('ends each page but the newest at its newest article, by its day where the site publishes and then its file name', () => {
    // Prepare: 03:00 UTC on 2 March is still 1 March in New York.
    const archives = new Map([
      [1, [item('b', '2026-03-02T03:00:00.000Z'), item('a', '2026-02-28T11:00:00.000Z')]],
      [2, [item('d', '2026-03-05T11:00:00.000Z'), item('c', '2026-03-05T11:00:00.000Z')]],
      [3, [item('e', '2026-03-09T11:00:00.000Z')]],
    ]);

    // Act
    const layout = archiveLayout(archives, ['c.TXT'], config);

    // Assess: the listed file name where a seed has the id; of one day, the first file name.
    expect(layout).toEqual({
      pageSize: 2,
      ends: [
        ['2026-03-01', 'b.txt'],
        ['2026-03-05', 'c.TXT'],
      ],
    });
  });

  it.each([
    [
      'a number missing',
      new Map([
        [1, [item('a', '2026-03-01T11:00:00.000Z')]],
        [3, [item('c', '2026-03-03T11:00:00.000Z')]],
      ]),
    ],
    [
      'ends out of order',
      new Map([
        [1, [item('b', '2026-03-05T11:00:00.000Z')]],
        [2, [item('a', '2026-03-01T11:00:00.000Z')]],
        [3, [item('c', '2026-03-09T11:00:00.000Z')]],
      ]),
    ],
    ['one archive only', new Map([[1, [item('a', '2026-03-01T11:00:00.000Z')]]])],
    [
      'an id of another prefix',
      new Map([
        [1, [{ id: 'tag:other:articles/a', published: '2026-03-01T11:00:00.000Z' }]],
        [2, [item('b', '2026-03-02T11:00:00.000Z')]],
      ]),
    ],
  ])('gives no layout for %s', (_what, archives) => {
    // Act & Assess
    expect(archiveLayout(archives, [], config)).toBeUndefined();
  });
});
