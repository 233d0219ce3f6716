import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SeedFile } from '../../src/article/corpus.js';
import { loadPublishSettings, type Env, type FeedConfig } from '../../src/config.js';
import { buildFeeds } from '../../src/publish/build.js';
import { publish, PublishError } from '../../src/publish/publish.js';
import { s3PublishDependencies } from '../../src/publish/runtime.js';
import { articlePage } from '../../src/site/article-page.js';
import { indexPage } from '../../src/site/index-page.js';
import {
  BUCKET,
  fakeBucket,
  mockedClient,
  mockS3,
  noSuchKey,
  putCalls,
  sdkBody,
  seed,
  serviceError,
  tempDir,
  testFeedConfig,
  text,
  THREE_SEEDS,
  THREE_SLUGS,
  utf8,
  writeSeeds,
  type TempDir,
} from './support.js';

const s3 = mockS3();

const MANIFEST = '_publish/manifest.json';
const PAGE_KEYS = [...THREE_SLUGS.map((slug) => `articles/${slug}.html`), 'index.html'];
const FEED_KEYS = ['rss.xml', 'atom.xml', 'feed.json'];
const ALL_KEYS = [...PAGE_KEYS, ...FEED_KEYS];
const HTML = 'text/html; charset=utf-8';
const TYPES: Readonly<Record<string, string>> = {
  'rss.xml': 'application/rss+xml; charset=utf-8',
  'atom.xml': 'application/atom+xml; charset=utf-8',
  'feed.json': 'application/feed+json; charset=utf-8',
};
const contentTypeOf = (key: string) => TYPES[key] ?? HTML;

/** After every article's date and publish time (00:00 UTC). */
const MARCH_1 = new Date('2026-03-01T06:00:00.000Z');

let dir: TempDir;
let seeds: string;

beforeEach(async () => {
  s3.reset();
  dir = await tempDir('publish-unit-');
  seeds = join(dir.path, 'seeds');
});

afterEach(async () => {
  await dir.remove();
});

/** The production wiring (settings from the environment, an S3Client wrapped by S3Storage) with a fixed clock. */
function deps(now: Date, env: Env = {}, feed: FeedConfig = testFeedConfig()) {
  const settings = loadPublishSettings({ FEED_BUCKET: BUCKET, SEEDS_DIR: seeds, ...env });
  return s3PublishDependencies({ client: mockedClient(), feed, publish: settings, defaultSeedsDir: join(dir.path, 'no-such-folder'), now: () => now });
}

function seedFiles(files: Readonly<Record<string, string>>): SeedFile[] {
  return Object.entries(files).map(([fileName, content]) => ({ fileName, bytes: utf8(content) }));
}

function keysOf(s3Puts: { key: string }[]): string[] {
  return s3Puts.map((put) => put.key);
}

describe('publish: first run into an empty bucket', () => {
  it('puts every page, the index, the three feeds and the manifest with exact bytes and headers', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(PutObjectCommand).resolves({});
    const config = testFeedConfig();
    const build = buildFeeds(seedFiles(THREE_SEEDS), { config, now: MARCH_1 });
    const expectedBodies: Record<string, string> = {
      ...Object.fromEntries(build.published.map((entry) => [`articles/${entry.slug}.html`, articlePage(entry, config)])),
      'index.html': indexPage(build.published, config),
      'rss.xml': build.feed!.documents.rss,
      'atom.xml': build.feed!.documents.atom,
      'feed.json': build.feed!.documents.json,
    };

    // Act
    const summary = await publish(deps(MARCH_1));

    // Assess
    const puts = putCalls(s3);
    expect(keysOf(puts).sort()).toEqual([...ALL_KEYS, MANIFEST].sort());
    for (const put of puts.filter((p) => p.key !== MANIFEST)) {
      expect(put, put.key).toEqual({ key: put.key, body: utf8(expectedBodies[put.key]!), contentType: contentTypeOf(put.key), cacheControl: 'max-age=300' });
    }
    const inputs = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input as PutObjectCommandInput);
    expect(inputs.every((input) => input.Bucket === BUCKET && input.ContentLength === (input.Body as Uint8Array).byteLength)).toBe(true);
    expect(summary.objects).toEqual({ written: 7, skipped: 0, writtenKeys: expect.arrayContaining(ALL_KEYS) });
    expect(summary.articles).toEqual({ read: 3, published: 3, held: 0, rejected: 0 });
    expect(summary.feedItems).toBe(3);
  });

  it('writes feeds that link to the pages it writes', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    fakeBucket(s3);

    // Act
    await publish(deps(MARCH_1));

    // Assess
    const puts = putCalls(s3);
    const json = JSON.parse(text(puts.find((p) => p.key === 'feed.json')!.body)) as { items: { url: string; title: string }[] };
    expect(json.items.map((item) => item.url)).toEqual(
      ['2026-02-05-schools-shelters-first', '2026-02-03-bridge-opens', '2026-02-01-harbour-ferry-returns'].map((slug) => `https://news.example.org/articles/${slug}.html`),
    );
    expect(json.items[0]!.title).toBe('Schools & Shelters <First>');
    const rss = text(puts.find((p) => p.key === 'rss.xml')!.body);
    for (const slug of THREE_SLUGS) expect(rss).toContain(`<link>https://news.example.org/articles/${slug}.html</link>`);
  });

  it('records every object and article in a manifest written last, with no-cache', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(PutObjectCommand).resolves({});

    // Act
    await publish(deps(MARCH_1));

    // Assess
    const puts = putCalls(s3);
    const manifest = puts.at(-1)!;
    expect(manifest).toMatchObject({ key: MANIFEST, contentType: 'application/json; charset=utf-8', cacheControl: 'no-cache' });
    const parsed = JSON.parse(text(manifest.body)) as { version: number; objects: Record<string, string>; articles: Record<string, { hash: string }> };
    expect(parsed.version).toBe(1);
    expect(Object.keys(parsed.objects).sort()).toEqual([...ALL_KEYS].sort());
    expect(Object.keys(parsed.articles).sort()).toEqual(
      ['2026-02-01-harbour', '2026-02-03-bridge', '2026-02-05-budget'].map((stem) => `tag:news.example.org,2026:articles/${stem}`),
    );
  });

  it('sends every page and the index before any feed, and the manifest last', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(PutObjectCommand).resolves({});

    // Act
    await publish(deps(MARCH_1));

    // Assess
    const order = keysOf(putCalls(s3));
    const lastPage = Math.max(...PAGE_KEYS.map((key) => order.indexOf(key)));
    const firstFeed = Math.min(...FEED_KEYS.map((key) => order.indexOf(key)));
    expect(order.filter((key) => PAGE_KEYS.includes(key))).toHaveLength(PAGE_KEYS.length);
    expect(lastPage).toBeLessThan(firstFeed);
    expect(order.at(-1)).toBe(MANIFEST);
  });

  it('starts no feed put until every page put has finished, even when page uploads are slow', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    s3.on(GetObjectCommand).rejects(noSuchKey());
    const events: string[] = [];
    s3.on(PutObjectCommand).callsFake(async (input: PutObjectCommandInput) => {
      events.push(`start ${input.Key}`);
      // Pages take longer than feeds: a run that did not wait would interleave them.
      await new Promise((resolve) => setTimeout(resolve, input.Key!.endsWith('.html') ? 20 : 1));
      events.push(`end ${input.Key}`);
      return {};
    });

    // Act
    await publish(deps(MARCH_1));

    // Assess
    const lastPageEnd = Math.max(...PAGE_KEYS.map((key) => events.indexOf(`end ${key}`)));
    const firstFeedStart = Math.min(...FEED_KEYS.map((key) => events.indexOf(`start ${key}`)));
    const lastFeedEnd = Math.max(...FEED_KEYS.map((key) => events.indexOf(`end ${key}`)));
    expect(lastPageEnd).toBeGreaterThan(-1);
    expect(lastPageEnd).toBeLessThan(firstFeedStart);
    expect(events.indexOf(`start ${MANIFEST}`)).toBeGreaterThan(lastFeedEnd);
  });

  it('uses the Cache-Control the environment sets, and rewrites everything when it changes', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    const bucket = fakeBucket(s3);
    await publish(deps(MARCH_1));
    s3.resetHistory();

    // Act
    const summary = await publish(deps(MARCH_1, { CACHE_CONTROL: 'public, max-age=60' }));

    // Assess
    const puts = putCalls(s3);
    expect(keysOf(puts).sort()).toEqual([...ALL_KEYS, MANIFEST].sort());
    expect(puts.filter((p) => p.key !== MANIFEST).every((p) => p.cacheControl === 'public, max-age=60')).toBe(true);
    expect(bucket.get('rss.xml')?.cacheControl).toBe('public, max-age=60');
    expect(summary.objects.written).toBe(7);
  });
});

describe('publish: later runs', () => {
  it('puts nothing when the manifest the first run wrote says nothing changed', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(PutObjectCommand).resolves({});
    await publish(deps(MARCH_1));
    const manifest = putCalls(s3).find((p) => p.key === MANIFEST)!.body;
    s3.reset();
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: MANIFEST }).resolves({ Body: sdkBody(manifest) });
    s3.on(PutObjectCommand).resolves({});

    // Act
    const summary = await publish(deps(new Date('2026-03-02T06:00:00.000Z')));

    // Assess
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(s3.commandCalls(GetObjectCommand, { Key: MANIFEST })).toHaveLength(1);
    expect(summary.objects).toEqual({ written: 0, skipped: 7, writtenKeys: [] });
    expect(summary.warnings).toEqual([]);
  });

  it('treats a whitespace or line-ending edit of a seed as no change', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    fakeBucket(s3);
    await publish(deps(MARCH_1));
    s3.resetHistory();
    await writeSeeds(seeds, { '2026-02-01-harbour.txt': `${THREE_SEEDS['2026-02-01-harbour.txt']!.replaceAll('\n', '  \r\n')}\r\n\r\n` });

    // Act
    const summary = await publish(deps(new Date('2026-03-02T06:00:00.000Z')));

    // Assess
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(summary.objects.written).toBe(0);
  });

  it('rewrites every object and the manifest when forced, even though nothing changed', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    const bucket = fakeBucket(s3);
    await publish(deps(MARCH_1));
    const before = new Map([...bucket].map(([key, object]) => [key, object.body]));
    s3.resetHistory();

    // Act
    const summary = await publish(deps(new Date('2026-03-02T06:00:00.000Z')), { force: true });

    // Assess
    const puts = putCalls(s3);
    expect(keysOf(puts).sort()).toEqual([...ALL_KEYS, MANIFEST].sort());
    for (const put of puts) expect(put.body, put.key).toEqual(before.get(put.key));
    expect(summary).toMatchObject({ force: true, objects: { written: 7, skipped: 0 } });
  });

  it('rewrites everything, with a warning, when the stored manifest is not valid JSON', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    fakeBucket(s3, { [MANIFEST]: utf8('{"version":1,"objects":') });

    // Act
    const summary = await publish(deps(MARCH_1));

    // Assess
    expect(keysOf(putCalls(s3)).sort()).toEqual([...ALL_KEYS, MANIFEST].sort());
    expect(summary.warnings).toEqual([expect.stringContaining(MANIFEST)]);
  });
});

describe('publish: dry run', () => {
  it('writes nothing, not even the manifest, but reports every object it would write', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(PutObjectCommand).resolves({});

    // Act
    const summary = await publish(deps(MARCH_1), { dryRun: true });

    // Assess
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(summary.dryRun).toBe(true);
    expect([...summary.objects.writtenKeys].sort()).toEqual([...ALL_KEYS].sort());
    expect(summary.objects).toMatchObject({ written: 7, skipped: 0 });
    expect(summary.articles).toEqual({ read: 3, published: 3, held: 0, rejected: 0 });
  });

  it('after a publish, reports only what an edit would change', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    const bucket = fakeBucket(s3);
    await publish(deps(MARCH_1));
    const before = new Map([...bucket].map(([key, object]) => [key, object.body]));
    s3.resetHistory();
    await writeSeeds(seeds, { '2026-02-01-harbour.txt': seed('2026-02-01', 'Harbour Ferry Returns Early', 'The ferry runs again from Monday.', 'Tickets cost 50 hryvnias.') });

    // Act
    const summary = await publish(deps(new Date('2026-03-02T06:00:00.000Z')), { dryRun: true });

    // Assess
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect([...bucket.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [key, object] of bucket) expect(object.body, key).toEqual(before.get(key));
    // A new title means a new slug: a new page, and the index and feeds that link to it.
    expect([...summary.objects.writtenKeys].sort()).toEqual(['articles/2026-02-01-harbour-ferry-returns-early.html', ...FEED_KEYS, 'index.html'].sort());
  });
});

describe('publish: failures', () => {
  it('rejects with a PublishError naming the key when one put fails, and does not write the manifest', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    const bucket = fakeBucket(s3, {}, new Map([['atom.xml', serviceError('InternalError', 500)]]));

    // Act
    const result = publish(deps(MARCH_1));

    // Assess
    await expect(result).rejects.toThrow(PublishError);
    await expect(result).rejects.toThrow(/atom\.xml/);
    expect(bucket.has(MANIFEST)).toBe(false);
    expect(bucket.has('atom.xml')).toBe(false);
    // The pages went first, so whatever feed did get out links to pages that exist.
    for (const key of PAGE_KEYS) expect(bucket.has(key), key).toBe(true);
  });

  it('rewrites what a failed run left unwritten on the next run', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    const failures = new Map([['feed.json', serviceError('SlowDown', 503)]]);
    const bucket = fakeBucket(s3, {}, failures);
    await expect(publish(deps(MARCH_1))).rejects.toThrow(/feed\.json/);
    failures.clear();
    s3.resetHistory();

    // Act
    const summary = await publish(deps(MARCH_1));

    // Assess
    expect(bucket.has('feed.json')).toBe(true);
    expect(bucket.has(MANIFEST)).toBe(true);
    expect(summary.objects.writtenKeys).toContain('feed.json');
  });

  it('rejects and writes nothing when every article is bad', async () => {
    // Prepare
    await writeSeeds(seeds, {
      '2026-02-30-impossible.txt': seed('2026-02-30', 'Impossible Day', 'Text.'),
      'no-header.txt': 'Just some text without a header.\n',
    });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(PutObjectCommand).resolves({});

    // Act
    const result = publish(deps(MARCH_1));

    // Assess
    await expect(result).rejects.toThrow(PublishError);
    await expect(result).rejects.toThrow(/none of the 2 seed articles/);
    await expect(result).rejects.toMatchObject({
      summary: { rejected: [expect.objectContaining({ file: '2026-02-30-impossible.txt', line: 1 }), expect.objectContaining({ file: 'no-header.txt', line: 1 })] },
    });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('rejects and writes nothing when the seed folder holds no articles', async () => {
    // Prepare
    await writeSeeds(seeds, { 'README.md': '# not an article\n' });
    s3.on(GetObjectCommand).rejects(noSuchKey());
    s3.on(PutObjectCommand).resolves({});

    // Act
    const result = publish(deps(MARCH_1));

    // Assess
    await expect(result).rejects.toThrow(/no seed articles/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('publishes the good articles and lists each bad one with file, line and reason', async () => {
    // Prepare
    await writeSeeds(seeds, {
      ...THREE_SEEDS,
      '2026-02-02-broken.txt': '\n\nthis is no header\n\nbody text\n',
      '2026-02-30-impossible.txt': seed('2026-02-30', 'Impossible Day', 'Text.'),
    });
    fakeBucket(s3);

    // Act
    const summary = await publish(deps(MARCH_1));

    // Assess
    expect(summary.rejected).toEqual([
      { file: '2026-02-02-broken.txt', line: 3, reason: 'expected `date YYYY-MM-DD Title`, found "this is no header"' },
      { file: '2026-02-30-impossible.txt', line: 1, reason: '2026-02-30 is not a date on the calendar' },
    ]);
    expect(summary.articles).toEqual({ read: 5, published: 3, held: 0, rejected: 2 });
    expect(keysOf(putCalls(s3)).sort()).toEqual([...ALL_KEYS, MANIFEST].sort());
    expect(summary.feedItems).toBe(3);
  });
});

describe('publish: the clock', () => {
  const FUTURE = '2026-02-10-future.txt';
  const FUTURE_PAGE = 'articles/2026-02-10-tomorrow-s-news.html';
  const FUTURE_ID = 'tag:news.example.org,2026:articles/2026-02-10-future';

  it('holds an article dated in the future, then publishes it once the clock passes its date', async () => {
    // Prepare
    await writeSeeds(seeds, { ...THREE_SEEDS, [FUTURE]: seed('2026-02-10', "Tomorrow's News", 'It has not happened yet.') });
    const bucket = fakeBucket(s3);

    // Act
    const early = await publish(deps(new Date('2026-02-06T12:00:00.000Z')));
    const earlyFeed = text(bucket.get('feed.json')!.body);
    const earlyIndex = text(bucket.get('index.html')!.body);
    s3.resetHistory();
    const justBefore = await publish(deps(new Date('2026-02-09T23:59:59.999Z')));
    const justBeforePuts = keysOf(putCalls(s3));
    s3.resetHistory();
    const due = await publish(deps(new Date('2026-02-10T00:00:00.000Z')));

    // Assess
    expect(early.held).toEqual([{ file: FUTURE, date: '2026-02-10' }]);
    expect(early.articles).toMatchObject({ published: 3, held: 1 });
    expect(early.objects.writtenKeys).not.toContain(FUTURE_PAGE);
    expect(earlyFeed).not.toContain(FUTURE_ID);
    expect(earlyFeed).not.toContain('Tomorrow');
    expect(earlyIndex).not.toContain('Tomorrow');

    expect(justBefore.held).toHaveLength(1);
    expect(justBeforePuts).toEqual([]);

    expect(due.held).toEqual([]);
    expect(due.articles).toMatchObject({ published: 4, held: 0 });
    expect([...due.objects.writtenKeys].sort()).toEqual([FUTURE_PAGE, 'index.html', ...FEED_KEYS].sort());
    expect(text(bucket.get('feed.json')!.body)).toContain(FUTURE_ID);
    expect(text(bucket.get(FUTURE_PAGE)!.body)).toContain("<h1>Tomorrow's News</h1>");
  });

  it("dates an edited article's update with the run's clock, and keeps that date on later runs", async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    const bucket = fakeBucket(s3);
    await publish(deps(new Date('2026-02-06T08:00:00.000Z')));
    const edited = seed('2026-02-03', 'Bridge Opens', 'A footbridge now links the two banks.', 'Що далі', 'Lights are due by autumn.');
    await writeSeeds(seeds, { '2026-02-03-bridge.txt': edited });
    const editRun = new Date('2026-02-07T09:30:00.000Z');

    // Act
    s3.resetHistory();
    const afterEdit = await publish(deps(editRun));
    const editPuts = keysOf(putCalls(s3));
    const feedsAfterEdit = FEED_KEYS.map((key) => text(bucket.get(key)!.body));
    s3.resetHistory();
    await publish(deps(new Date('2026-02-08T10:00:00.000Z')));
    const unchangedPuts = keysOf(putCalls(s3));
    await publish(deps(new Date('2026-02-09T11:00:00.000Z')), { force: true });
    const feedsLater = FEED_KEYS.map((key) => text(bucket.get(key)!.body));

    // Assess
    // The lede did not change, so the index did not either: only the page and the feeds.
    expect([...afterEdit.objects.writtenKeys].sort()).toEqual(['articles/2026-02-03-bridge-opens.html', ...FEED_KEYS].sort());
    expect(editPuts.sort()).toEqual(['articles/2026-02-03-bridge-opens.html', ...FEED_KEYS, MANIFEST].sort());
    const json = JSON.parse(feedsAfterEdit[2]!) as { items: { id: string; date_published: string; date_modified: string }[] };
    const bridge = json.items.find((item) => item.id.endsWith('/2026-02-03-bridge'))!;
    expect(bridge).toMatchObject({ date_published: '2026-02-03T00:00:00.000Z', date_modified: '2026-02-07T09:30:00.000Z' });
    const harbour = json.items.find((item) => item.id.endsWith('/2026-02-01-harbour'))!;
    expect(harbour.date_modified).toBe('2026-02-01T00:00:00.000Z');
    expect(feedsAfterEdit[1]).toMatch(/<id>tag:news\.example\.org,2026:articles\/2026-02-03-bridge<\/id>\s*<link [^>]*\/>\s*<updated>2026-02-07T09:30:00\.000Z<\/updated>/);
    expect(feedsAfterEdit[0]).toContain('<lastBuildDate>Sat, 07 Feb 2026 09:30:00 GMT</lastBuildDate>');
    expect(feedsAfterEdit[0]).toContain('autumn');

    expect(unchangedPuts).toEqual([]);
    // A forced rebuild two days later gives the same bytes: the clock reached the feeds once, at the edit.
    expect(feedsLater).toEqual(feedsAfterEdit);
  });
});

describe('publish: seeds kept in the bucket', () => {
  it('reads the .txt objects directly under SEEDS_PREFIX and publishes them to the same bucket', async () => {
    // Prepare
    fakeBucket(s3, {
      'incoming/2026-02-01-harbour.txt': utf8(THREE_SEEDS['2026-02-01-harbour.txt']!),
      'incoming/2026-02-03-bridge.txt': utf8(THREE_SEEDS['2026-02-03-bridge.txt']!),
      'incoming/README.md': utf8('# how to add an article\n'),
      'incoming/drafts/2026-02-04-draft.txt': utf8(seed('2026-02-04', 'Draft', 'Not ready.')),
      'other/2026-02-05-elsewhere.txt': utf8(seed('2026-02-05', 'Elsewhere', 'Not a seed of this feed.')),
    });

    // Act
    const summary = await publish(deps(MARCH_1, { SEEDS_SOURCE: 'bucket', SEEDS_PREFIX: 'incoming/' }));

    // Assess
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({ Bucket: BUCKET, Prefix: 'incoming/' });
    const seedGets = s3.commandCalls(GetObjectCommand).map((call) => call.args[0].input.Key).filter((key) => key !== MANIFEST);
    expect(seedGets.sort()).toEqual(['incoming/2026-02-01-harbour.txt', 'incoming/2026-02-03-bridge.txt']);
    expect(summary.articles).toEqual({ read: 2, published: 2, held: 0, rejected: 0 });
    const putKeys = keysOf(putCalls(s3));
    expect(putKeys.sort()).toEqual(
      ['articles/2026-02-01-harbour-ferry-returns.html', 'articles/2026-02-03-bridge-opens.html', 'index.html', ...FEED_KEYS, MANIFEST].sort(),
    );
    expect(s3.commandCalls(PutObjectCommand).every((call) => call.args[0].input.Bucket === BUCKET)).toBe(true);
  });

  it('fails the run, writing nothing, when the seed listing fails', async () => {
    // Prepare
    fakeBucket(s3);
    s3.on(ListObjectsV2Command).rejects(serviceError('AccessDenied', 403));

    // Act
    const result = publish(deps(MARCH_1, { SEEDS_SOURCE: 'bucket' }));

    // Assess
    await expect(result).rejects.toThrow(PublishError);
    await expect(result).rejects.toThrow(/list .*AccessDenied/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('fails the run as a PublishError, writing nothing, when the manifest cannot be read', async () => {
    // Prepare
    await writeSeeds(seeds, THREE_SEEDS);
    fakeBucket(s3);
    s3.on(GetObjectCommand, { Key: MANIFEST }).rejects(serviceError('AccessDenied', 403));

    // Act
    const result = publish(deps(MARCH_1));

    // Assess
    // Not "no manifest": a run that took it for absent would rewrite everything on a bucket it cannot read.
    await expect(result).rejects.toThrow(PublishError);
    await expect(result).rejects.toThrow(/_publish\/manifest\.json/);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
