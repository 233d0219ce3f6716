/**
 * The size limits end to end (MAX_SEED_BYTES, MAX_FEED_BYTES, itemLimit) on memory storages, as
 * a demanding user and as an attacker would push them: one article too large for a feed, many
 * medium ones, archives, seeds at the limit and grown after the listing, extreme articles, the
 * limits' own bounds, and the same bytes every time. Every document is parsed with the
 * independent readers of tests/helpers/feeds.ts; sizes are counted in bytes of what was written.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { baseSlug } from '../../src/article/identity.js';
import { parseArticle } from '../../src/article/parse.js';
import { loadLimits } from '../../src/config/limits.js';
import { entryText, feedChannel, publishedArticle } from '../../src/feed/items.js';
import { buildFeedModel, type FeedItem, type FeedModel } from '../../src/feed/model.js';
import { renderFeeds } from '../../src/feed/render.js';
import { publish } from '../../src/publish/publish.js';
import type { Storage } from '../../src/storage/storage.js';
import { atomFeed, children, type JsonFeedItem, jsonFeedSchemaErrors, rssChannel, xmlErrors } from '../helpers/feeds.js';
import { seed, testFeedConfig, text, utf8 } from './support.js';
import { memorySite, type Site } from './support-site.js';

const NOW = new Date('2026-06-01T06:00:00.000Z');
const KIB = 1024;
const MIB = 1024 * 1024;
const FEEDS = ['rss.xml', 'atom.xml', 'feed.json'] as const;
/** Generous: a run that does not end within this is hung (quadratic or worse), not slow. */
const HANG_MS = 20_000;

/** A JSON Feed item as the publisher writes it: always with its page and summary. */
type JsonItem = JsonFeedItem & { url: string; summary: string };

function limitedSite(
  files: Readonly<Record<string, string>>,
  {
    feedBytes = MIB,
    seedBytes = MIB,
    itemLimit = 50,
    overrides = {},
  }: { feedBytes?: number; seedBytes?: number; itemLimit?: number; overrides?: Record<string, unknown> } = {},
): Site {
  const site = memorySite(files, { now: NOW, config: testFeedConfig({ itemLimit, ...overrides }) });
  site.settings = { ...site.settings, limits: { seedBytes, feedBytes } };
  return site;
}

const body = (site: Site, key: string): string => text(site.site.objects.get(key)!.body);
const size = (site: Site, key: string): number => site.site.objects.get(key)!.body.byteLength;
const jsonItems = (site: Site, key = 'feed.json'): JsonItem[] => (JSON.parse(body(site, key)) as { items: JsonItem[] }).items;
const archiveKeys = (site: Site): string[] => [...site.site.objects.keys()].filter((key) => key.startsWith('archive/')).sort();
/** Items that carry their full text, per format, each counted by its own parser. */
function withFullText(site: Site, keys: { rss: string; atom: string; json: string }) {
  return {
    rss: children(rssChannel(body(site, keys.rss)), 'item').filter((item) => item['content:encoded'] !== undefined).length,
    atom: children(atomFeed(body(site, keys.atom)), 'entry').filter((entry) => entry.content !== undefined).length,
    json: jsonItems(site, keys.json).filter((item) => item.content_html !== undefined).length,
  };
}
const LIVE = { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' };

const dayOf = (n: number, from = Date.UTC(2020, 0, 1)): string => new Date(from + n * 86_400_000).toISOString().slice(0, 10);

/** The feed model the publisher makes of these seeds (no edits, no archives), to render alternatives with. */
function modelOf(files: Readonly<Record<string, string>>, itemLimit: number): FeedModel {
  const config = testFeedConfig({ itemLimit });
  const items: FeedItem[] = Object.entries(files).map(([fileName, content]) => {
    const parsed = parseArticle(fileName, content);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
    const { article } = parsed;
    return publishedArticle({ fileName, day: article.date.iso, slug: baseSlug(article), text: entryText(article) }, config).item;
  });
  return buildFeedModel(feedChannel(config), items, itemLimit)!;
}
const largest = (documents: { rss: string; atom: string; json: string }) =>
  Math.max(...[documents.rss, documents.atom, documents.json].map((document) => Buffer.byteLength(document)));
/** The model with the full text of its `count` oldest items left out, as the size limit does. */
function withoutOldestText(model: FeedModel, count: number): FeedModel {
  const items = model.items.map((item, index) => {
    if (index < model.items.length - count) return item;
    const { contentHtml: _, ...rest } = item;
    return rest;
  });
  return { ...model, items: items as [FeedItem, ...FeedItem[]] };
}

describe('one article whose lede or title alone is larger than MAX_FEED_BYTES', () => {
  const bigLede = { '2026-02-01-big.txt': seed('2026-02-01', 'Big Lede', 'word '.repeat(5000), 'Body.') };
  const bigTitle = { '2026-02-01-big.txt': seed('2026-02-01', `Big ${'title '.repeat(5000)}`, 'Short lede.', 'Body.') };

  it.each([
    ['lede', bigLede],
    ['title', bigTitle],
  ])('publishes no feed document over MAX_FEED_BYTES (a %s of 25 KB, limit 16 KiB)', async (_what, files) => {
    const site = limitedSite(files, { feedBytes: 16 * KIB });

    await site.run();

    const over = FEEDS.filter((key) => size(site, key) > 16 * KIB).map((key) => `${key}: ${size(site, key)} bytes`);
    expect(over).toEqual([]);
  });

  it('says which article is over the limit when one article alone is', async () => {
    const site = limitedSite(bigLede, { feedBytes: 16 * KIB });

    const summary = await site.run();

    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toContain('2026-02-01-big');
    expect(summary.warnings[0]).not.toMatch(/the feed's title, description or copyright/);
  });

  it('cuts the one long lede before any other item loses its full text', async () => {
    const files: Record<string, string> = { ...bigLede };
    for (let n = 2; n <= 11; n++) {
      const day = `2026-01-${String(n).padStart(2, '0')}`;
      files[`${day}-note.txt`] = seed(day, `Note ${n}`, `Lede ${n}.`, 'A body paragraph of some length. '.repeat(5));
    }
    const site = limitedSite(files, { feedBytes: 16 * KIB });

    await site.run();

    for (const key of FEEDS) expect(size(site, key), key).toBeLessThanOrEqual(16 * KIB);
    const big = jsonItems(site).find((item) => item.url.includes('big-lede'))!;
    expect(big.summary!.length).toBeLessThanOrEqual(1000);
    expect(big.summary!.endsWith('…')).toBe(true);
    const others = jsonItems(site).filter((item) => !item.url.includes('big-lede'));
    expect(others).toHaveLength(10);
    expect(others.filter((item) => item.content_html === undefined).map((item) => item.title)).toEqual([]);
  });

  it('fits archive documents too, and says what was cut in which archive', async () => {
    const files: Record<string, string> = { ...bigLede };
    for (let day = 2; day <= 5; day++) files[`2026-02-0${day}-short.txt`] = seed(`2026-02-0${day}`, `Short ${day}`, 'Short.');
    const site = limitedSite(files, { feedBytes: 16 * KIB, itemLimit: 2 });

    const summary = await site.run();

    const over = archiveKeys(site).filter((key) => size(site, key) > 16 * KIB);
    expect(over).toEqual([]);
    for (const key of FEEDS) expect(size(site, key), key).toBeLessThanOrEqual(16 * KIB);
    expect(summary.warnings).toEqual([
      expect.stringMatching(/^archive 1 would be over 16 KiB .*titles and summaries cut in 1 items: .*big-lede/),
    ]);
  });
});

describe('many medium articles', () => {
  const medium = (count: number, bodyRepeat = 40): Record<string, string> => {
    const files: Record<string, string> = {};
    for (let n = 0; n < count; n++) {
      const day = dayOf(n, Date.UTC(2026, 0, 1));
      files[`${day}-medium.txt`] = seed(day, `Medium ${n}`, `Lede of medium ${n}.`, 'Body text, at some length. '.repeat(bodyRepeat));
    }
    return files;
  };

  it('at the smallest MAX_FEED_BYTES, lets every full text go when it must and then fits, keeping summaries and links', async () => {
    // Each body alone (about 21 KB) is over the limit: no item can keep its full text.
    const site = limitedSite(medium(12, 800), { feedBytes: 16 * KIB });

    const summary = await site.run();

    for (const key of FEEDS) expect(size(site, key), key).toBeLessThanOrEqual(16 * KIB);
    expect(withFullText(site, LIVE)).toEqual({ rss: 0, atom: 0, json: 0 });
    const items = jsonItems(site);
    expect(items).toHaveLength(12);
    for (const item of items) {
      expect(item.summary).toMatch(/^Lede of medium \d+\.$/);
      expect(item.content_text).toBe(item.summary);
      expect(item.url).toMatch(/^https:\/\/news\.example\.org\/articles\/.+\.html$/);
    }
    expect(summary.warnings).toEqual([expect.stringContaining('the full text of 12 of their 12 items is left out')]);
    expect(await xmlErrors(body(site, 'rss.xml'))).toEqual([]);
    expect(await xmlErrors(body(site, 'atom.xml'))).toEqual([]);
    expect(jsonFeedSchemaErrors(JSON.parse(body(site, 'feed.json')))).toEqual([]);
  });

  it('says so when archive documents lose full text to the limit', async () => {
    const files = medium(8, 250);
    for (let day = 1; day <= 2; day++) files[`2026-03-0${day}-short.txt`] = seed(`2026-03-0${day}`, `Short ${day}`, 'Short.');
    const site = limitedSite(files, { feedBytes: 16 * KIB, itemLimit: 2 });

    const summary = await site.run();

    const cut = archiveKeys(site)
      .filter((key) => key.endsWith('.json'))
      .flatMap((key) => jsonItems(site, key).filter((item) => item.content_html === undefined));
    expect(cut.length).toBeGreaterThan(0);
    expect(withFullText(site, LIVE)).toEqual({ rss: 2, atom: 2, json: 2 });
    expect(summary.warnings).toEqual([expect.stringMatching(/archive/)]);
  });

  it('leaves out the full text of no more items than needed to fit', async () => {
    const files: Record<string, string> = {};
    for (let n = 0; n < 50; n++) {
      const day = dayOf(n);
      files[`${day}-note.txt`] = seed(day, `Note ${n}`, `Lede ${n}.`, 'Body.');
    }
    const model = modelOf(files, 50);
    const whole = limitedSite(files);
    await whole.run();
    // The replica renders what the publisher writes, so alternatives rendered from it are the publisher's.
    const rendered = renderFeeds(model);
    expect([rendered.rss, rendered.atom, rendered.json]).toEqual(FEEDS.map((key) => body(whole, key)));
    const limit = largest(rendered) - 1400;
    const needed = Array.from({ length: 51 }, (_, count) => count).find(
      (count) => largest(renderFeeds(withoutOldestText(model, count))) <= limit,
    )!;

    const site = limitedSite(files, { feedBytes: limit });
    await site.run();

    for (const key of FEEDS) expect(size(site, key), key).toBeLessThanOrEqual(limit);
    const cut = jsonItems(site).filter((item) => item.content_html === undefined).length;
    expect({ cut }).toEqual({ cut: needed });
  });

  it(
    'ends within the hang detector when feed.json is the largest document and cannot fit (400 one-paragraph items)',
    async () => {
      const count = 400;
      const files: Record<string, string> = {};
      for (let n = 0; n < count; n++) {
        const day = dayOf(n);
        files[`${day}-path.txt`] = seed(day, `Path ${n}`, `C:${'\\'.repeat(4000)} ${n}.`);
      }
      // The size feed.json has once every item lost its full text, from a run without a limit.
      const probe = limitedSite(files, { feedBytes: 1024 * MIB, itemLimit: count });
      await probe.run();
      const feed = JSON.parse(body(probe, 'feed.json')) as { items: Record<string, unknown>[] };
      feed.items = feed.items.map((item) =>
        Object.fromEntries(
          Object.entries(item).map(([key, value]) => (key === 'content_html' ? ['content_text', item.summary] : [key, value])),
        ),
      );
      const textless = Buffer.byteLength(`${JSON.stringify(feed, null, 2)}\n`);
      expect(textless).toBeGreaterThan(size(probe, 'rss.xml'));

      const outcome = await inChildProcess(
        `
        const { memorySite } = await import(${JSON.stringify(new URL('./support-site.ts', import.meta.url).href)});
        const { seed, testFeedConfig } = await import(${JSON.stringify(new URL('./support.ts', import.meta.url).href)});
        const files = {};
        for (let n = 0; n < ${count}; n++) {
          const day = new Date(Date.UTC(2020, 0, 1) + n * 86400000).toISOString().slice(0, 10);
          files[day + '-path.txt'] = seed(day, 'Path ' + n, 'C:' + '\\\\'.repeat(4000) + ' ' + n + '.');
        }
        const site = memorySite(files, { now: new Date(${JSON.stringify(NOW.toISOString())}), config: testFeedConfig({ itemLimit: ${count} }) });
        site.settings = { ...site.settings, limits: { seedBytes: ${MIB}, feedBytes: ${textless - 1} } };
        const summary = await site.run();
        console.log(JSON.stringify({ warnings: summary.warnings }));
        `,
        HANG_MS,
      );

      expect(outcome.timedOut, outcome.stderr).toBe(false);
      expect(outcome.stdout).toMatch(
        /titles and summaries over \d+ characters are cut to it|the full text of \d+ of their 400 items is left out/,
      );
    },
    HANG_MS + 60_000,
  );
});

/** Runs an ES module (TypeScript imports through tsx) in a child process, killed when it runs longer than `ms`. */
function inChildProcess(code: string, ms: number): Promise<{ timedOut: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: new URL('../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, ms);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve({ timedOut, stdout, stderr });
    });
  });
}

describe('a seed at MAX_SEED_BYTES', () => {
  const LIMIT = 4 * KIB;
  /** A seed of exactly `bytes` bytes in UTF-8 ending in `last`, with `prefix` (a BOM) and `eol` line ends. */
  const seedOf = (bytes: number, last: string, { prefix = '', eol = '\n' }: { prefix?: string; eol?: string } = {}) => {
    const head = `${prefix}date 2026-02-01 Edge Of The Limit${eol}${eol}Lede.${eol}${eol}`;
    const fill = bytes - Buffer.byteLength(head) - Buffer.byteLength(last) - Buffer.byteLength(eol);
    return `${head}${'é'.repeat(Math.floor(fill / 2))}${'z'.repeat(fill % 2)}${last}${eol}`;
  };

  it.each<[string, { last: string; prefix?: string; eol?: string }]>([
    ['a 3-byte € ending at the last byte', { last: '€' }],
    ['a 4-byte emoji ending at the last byte', { last: '🎉' }],
    ['a BOM and CRLF line ends', { last: '€', prefix: '\uFEFF', eol: '\r\n' }],
  ])('publishes a seed of exactly MAX_SEED_BYTES (%s) and refuses one of a byte more, naming its size in bytes', async (_what, shape) => {
    const exact = seedOf(LIMIT, shape.last, shape);
    const over = seedOf(LIMIT + 1, shape.last, shape);
    expect([Buffer.byteLength(exact), Buffer.byteLength(over)]).toEqual([LIMIT, LIMIT + 1]);
    const site = limitedSite(
      { '2026-02-01-exact.txt': exact, '2026-02-02-over.txt': over.replace('2026-02-01', '2026-02-02') },
      { seedBytes: LIMIT },
    );

    const summary = await site.run();

    expect(summary.rejected).toEqual([
      {
        file: '2026-02-02-over.txt',
        line: 1,
        reason: `the file is 4.0 KiB (${LIMIT + 1} bytes), over the 4 KiB a seed may have (MAX_SEED_BYTES); it was not read`,
        keptPublished: false,
      },
    ]);
    const [item] = jsonItems(site);
    expect(item!.title).toBe('Edge Of The Limit');
    expect(item!.content_html!.endsWith(`${shape.last}</p>`)).toBe(true);
  });

  it('never publishes a seed that is over MAX_SEED_BYTES when read, even if it was listed under it', async () => {
    const site = limitedSite({ '2026-02-01-grows.txt': seed('2026-02-01', 'Grows', 'Short.') }, { seedBytes: 1 * KIB });
    await site.run();
    const grown = seed('2026-02-01', 'Grows', 'Grown. '.repeat(15_000));
    await site.writeSeed('2026-02-01-grows.txt', seed('2026-02-01', 'Grows', 'Edited, still short.'));
    // An editor saves a 100 KB version between the run's listing and its read of the seed.
    let saved = false;
    const seeds: Storage = {
      list: (prefix, options) => site.seeds.list(prefix, options),
      get: async (key) => {
        if (!saved) {
          saved = true;
          await site.seeds.put(key, utf8(grown), { contentType: 'text/plain' });
        }
        return site.seeds.get(key);
      },
      put: (key, bytes, options) => site.seeds.put(key, bytes, options),
      delete: (key) => site.seeds.delete(key),
    };

    await publish({ storage: site.site, seeds, settings: site.settings, now: () => site.now });
    const next = await site.run();

    expect(next.rejected).toEqual([expect.objectContaining({ file: '2026-02-01-grows.txt', keptPublished: true })]);
    expect(size(site, 'articles/2026-02-01-grows.html')).toBeLessThan(10 * KIB);
    expect(jsonItems(site)[0]!.content_html).not.toContain('Grown.');
  });
});

describe('extreme articles, under the default limits (hang detector only)', () => {
  const extremes: [string, string][] = [
    ['a paragraph of one 1 MB word', seed('2026-02-01', 'One Word', 'x'.repeat(1_000_000))],
    ['a title of 100,000 characters', seed('2026-02-01', 'T '.repeat(50_000).trim(), 'Lede.')],
    ['50,000 paragraphs', seed('2026-02-01', 'Paragraphs', ...Array.from({ length: 50_000 }, (_, i) => `P${i}.`))],
    [
      '10,000 photo credit lines',
      `date 2026-02-01 Credits\n\nLede.\n\n${Array.from({ length: 10_000 }, (_, i) => `Photo: commons.wikimedia.org by N${i}, https://creativecommons.org/licenses/by-sa/4.0/ P${i}`).join('\n')}\n`,
    ],
    ['100,000 nested quote marks', seed('2026-02-01', 'Quotes', `${'“‘«„‚‹「『'.repeat(12_500)}x${'』」›‘“»’”'.repeat(12_500)}`)],
  ];

  it.each(extremes)(
    'publishes %s: its page, the index and valid feeds, in a run that ends',
    async (_what, content) => {
      const site = limitedSite({ '2026-02-01-extreme.txt': content, '2026-01-01-plain.txt': seed('2026-01-01', 'Plain', 'Plain lede.') });

      const summary = await site.run();

      expect(summary.rejected).toEqual([]);
      const pages = [...site.site.objects.keys()].filter((key) => key.startsWith('articles/2026-02-01'));
      expect(pages).toHaveLength(1);
      const slug = pages[0]!.slice('articles/'.length, -'.html'.length);
      expect(Buffer.byteLength(slug)).toBeLessThanOrEqual(200);
      expect(body(site, 'index.html')).toContain(`href="articles/${encodeURIComponent(slug)}.html"`);
      expect(await xmlErrors(body(site, 'rss.xml'))).toEqual([]);
      expect(await xmlErrors(body(site, 'atom.xml'))).toEqual([]);
      expect(jsonFeedSchemaErrors(JSON.parse(body(site, 'feed.json')))).toEqual([]);
    },
    HANG_MS,
  );

  it('cuts the page slug of a long Latin title to 80 characters of words after its day, as README says', async () => {
    const site = limitedSite({ '2026-02-01-long.txt': seed('2026-02-01', 'Word '.repeat(20_000).trim(), 'Lede.') });

    await site.run();

    const [page] = [...site.site.objects.keys()].filter((key) => key.startsWith('articles/'));
    const slug = page!.slice('articles/'.length, -'.html'.length);
    expect(slug.startsWith('2026-02-01-word-word')).toBe(true);
    expect(slug.length - '2026-02-01-'.length).toBeLessThanOrEqual(80);
  });
});

describe('MAX_FEED_BYTES at its bounds', () => {
  it('accepts 16 KiB and refuses a byte less; at 16 KiB one short article is published whole, without a warning', async () => {
    const problems: string[] = [];
    expect(loadLimits({ MAX_FEED_BYTES: '16KiB' }, problems).feedBytes).toBe(16 * KIB);
    expect(problems).toEqual([]);
    loadLimits({ MAX_FEED_BYTES: String(16 * KIB - 1) }, problems);
    expect(problems).toEqual([expect.stringContaining('MAX_FEED_BYTES')]);
    const site = limitedSite({ '2026-02-01-note.txt': seed('2026-02-01', 'Note', 'Lede.', 'Body.') }, { feedBytes: 16 * KIB });

    const summary = await site.run();

    expect(summary.warnings).toEqual([]);
    expect(withFullText(site, LIVE)).toEqual({ rss: 1, atom: 1, json: 1 });
  });

  it('does not tell a value that is too large that it is too small', () => {
    const problems: string[] = [];

    loadLimits({ MAX_FEED_BYTES: '99999999999999999999' }, problems);

    expect(problems).toHaveLength(1);
    expect(problems[0]).not.toContain('at least');
  });

  it('keeps the items’ full text when even an empty feed cannot fit', async () => {
    const files: Record<string, string> = {};
    for (let day = 1; day <= 3; day++) files[`2026-02-0${day}-note.txt`] = seed(`2026-02-0${day}`, `Note ${day}`, `Lede ${day}.`, 'Body.');
    const site = limitedSite(files, { feedBytes: 16 * KIB, overrides: { description: 'Long. '.repeat(3000) } });

    const summary = await site.run();

    expect(summary.warnings).toEqual([expect.stringContaining('would not make them fit. The longest item is https://')]);
    expect(withFullText(site, LIVE)).toEqual({ rss: 3, atom: 3, json: 3 });
  });
});

describe('determinism when fitting kicks in', () => {
  const files: Record<string, string> = {};
  for (let d = 1; d <= 12; d++) {
    const day = `2026-02-${String(d).padStart(2, '0')}`;
    files[`${day}-long.txt`] = seed(day, `Long ${d}`, `Lede ${d} `.repeat(20 + d * 7), 'Body text, at length. '.repeat(100 + d * 13));
  }
  const added = { '2026-02-20-new.txt': seed('2026-02-20', 'New', 'Fresh lede.', 'Body text, at length. '.repeat(200)) };
  const fitted = (seeds: Record<string, string>) => limitedSite(seeds, { feedBytes: 16 * KIB, itemLimit: 3 });

  it('gives the same bytes from the same seeds, in two sites and after an incremental run, and a second run writes nothing', async () => {
    const one = fitted({ ...files, ...added });
    const two = fitted({ ...files, ...added });
    const incremental = fitted(files);

    const first = await one.run();
    await two.run();
    await incremental.run();
    await incremental.writeSeed('2026-02-20-new.txt', added['2026-02-20-new.txt']);
    await incremental.run();
    const again = await one.run();

    expect(first.warnings.length).toBeGreaterThan(0);
    for (const warning of first.warnings) expect(warning).toContain('MAX_FEED_BYTES');
    expect(
      archiveKeys(one)
        .filter((key) => key.endsWith('.json'))
        .some((key) => jsonItems(one, key).some((item) => !item.content_html)),
    ).toBe(true);
    expect(two.snapshot({ withManifest: false })).toEqual(one.snapshot({ withManifest: false }));
    expect(incremental.snapshot({ withManifest: false })).toEqual(one.snapshot({ withManifest: false }));
    expect(again.objects.written).toBe(0);
    for (const key of [...FEEDS, ...archiveKeys(one)]) expect(size(one, key), key).toBeLessThanOrEqual(16 * KIB);
  });
});
