/**
 * The publish use case against a real S3 server (s3rver, in this process), read back the way a
 * browser or feed reader reads it: unsigned HTTP GETs of the object URLs.
 */
import { XMLParser } from 'fast-xml-parser';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPublishSettings } from '../../src/config.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { readManifestHead } from '../../src/publish/manifest.js';
import { listingDigest } from '../../src/publish/settled.js';
import { listPublished, publish, type PublishSummary } from '../../src/publish/publish.js';
import { listSeeds } from '../../src/publish/seeds.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import type { Storage } from '../../src/storage/storage.js';
import { bucketPublishDependencies } from '../../src/wiring.js';
import { seed, tempDir, testFeedConfig, writeSeeds, type PutRecord, type TempDir } from './support.js';

const bucket = 'feeds-it';
const MANIFEST = '_publish/manifest.json';
const TYPES: Readonly<Record<string, string>> = {
  'rss.xml': 'application/xml; charset=utf-8',
  'atom.xml': 'application/xml; charset=utf-8',
  'feed.css': 'text/css; charset=utf-8',
  'feed.json': 'application/json; charset=utf-8',
  [MANIFEST]: 'application/json; charset=utf-8',
};
const CACHE_CONTROL = 'public, max-age=120';

const SEEDS = {
  '2026-02-01-harbour.txt': seed(
    '2026-02-01',
    'Harbour Ferry Returns',
    'The ferry runs again from Monday, on batteries.',
    'Tickets cost 50 hryvnias.',
  ),
  '2026-02-03-bridge-uk.txt': seed(
    '2026-02-03',
    'У Києві відкрили міст',
    'Новий пішохідний міст з’єднав два береги.',
    '«Тепер — п’ять хвилин», — каже мешканка.',
  ),
  '2026-02-05-budget.txt': seed('2026-02-05', 'Schools & Shelters <First> in Line', 'The council voted 31 to 6 for schools & shelters.'),
};

/** The same titles as the page's HTML writes them, spelt out here rather than escaped by the code under test. */
const TITLES_AS_HTML: Readonly<Record<string, string>> = {
  'Schools & Shelters <First> in Line': 'Schools &amp; Shelters &lt;First&gt; in Line',
  'У Києві відкрили міст': 'У Києві відкрили міст',
  'Harbour Ferry Returns': 'Harbour Ferry Returns',
};

let dir: TempDir;
let seeds: string;
let server: EmbeddedS3;
let siteUrl: string;

beforeAll(async () => {
  dir = await tempDir('publish-it-');
  seeds = join(dir.path, 'seeds');
  server = await startEmbeddedS3({ directory: join(dir.path, 's3'), port: 0, bucket, silent: true });
  siteUrl = `${server.endpoint}/${bucket}/`;
});

afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

/** A storage that records every put, to compare what was published with what is served. */
function recording(storage: Storage): { storage: Storage; puts: PutRecord[] } {
  const puts: PutRecord[] = [];
  return {
    puts,
    storage: {
      get: (key) => storage.get(key),
      list: (prefix, options) => storage.list(prefix, options),
      delete: (key) => storage.delete(key),
      put: async (key, body, options) => {
        const result = await storage.put(key, body, options);
        puts.push({ key, body: Uint8Array.from(body), contentType: options.contentType, cacheControl: options.cacheControl });
        return result;
      },
    },
  };
}

/** One run through the production wiring, recording what it put so the test can compare it with what is served. */
async function run(now: Date): Promise<{ summary: PublishSummary; puts: PutRecord[] }> {
  const client = createS3Client({
    region: localS3Region,
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: localS3Credentials,
  });
  const settings = loadPublishSettings({ FEED_BUCKET: bucket, SEEDS_DIR: seeds, CACHE_CONTROL });
  const base = bucketPublishDependencies({
    client,
    feed: testFeedConfig({}, siteUrl),
    publish: settings,
    defaultSeedsDir: seeds,
    now: () => now,
  });
  const recorder = recording(base.storage);
  const summary = await publish({ ...base, storage: recorder.storage });
  return { summary, puts: recorder.puts };
}

async function get(url: string): Promise<{ status: number; contentType: string | null; cacheControl: string | null; body: Uint8Array }> {
  const response = await fetch(url);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    cacheControl: response.headers.get('cache-control'),
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

/** The URL a key is served at; the key's path segments are percent-encoded as a browser would. */
function urlOf(key: string): string {
  return `${siteUrl}${key.split('/').map(encodeURIComponent).join('/')}`;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_' });
const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

interface FeedLinks {
  rss: string[];
  atom: string[];
  json: { url: string; title: string }[];
}

async function feedLinks(): Promise<FeedLinks> {
  const rss = xml.parse(new TextDecoder().decode((await get(`${siteUrl}rss.xml`)).body)) as {
    rss: { channel: { item: { link: string }[] | { link: string } } };
  };
  const atom = xml.parse(new TextDecoder().decode((await get(`${siteUrl}atom.xml`)).body)) as {
    feed: { entry: { link: { '@_href': string } }[] | { link: { '@_href': string } } };
  };
  const json = JSON.parse(new TextDecoder().decode((await get(`${siteUrl}feed.json`)).body)) as { items: { url: string; title: string }[] };
  return {
    rss: asArray(rss.rss.channel.item).map((item) => item.link),
    atom: asArray(atom.feed.entry).map((entry) => entry.link['@_href']),
    json: json.items.map((item) => ({ url: item.url, title: item.title })),
  };
}

describe('publish to s3rver, read back over HTTP', () => {
  let first: { summary: PublishSummary; puts: PutRecord[] };

  beforeAll(async () => {
    await writeSeeds(seeds, SEEDS);
    first = await run(new Date('2026-03-01T06:00:00.000Z'));
  });

  it('serves every published object with status 200, its Content-Type and Cache-Control, and the exact bytes', async () => {
    // Prepare
    const published = first.puts;
    expect(published.map((put) => put.key)).toContain(MANIFEST);
    // Three pages, the index, three feeds, the 404 page, feed.css and the manifest.
    expect(published).toHaveLength(10);

    // Act
    const served = await Promise.all(published.map(async (put) => ({ put, got: await get(urlOf(put.key)) })));

    // Assess
    for (const { put, got } of served) {
      // The manifest is the publisher's: readers get the 404 page for it, as CloudFront gives them.
      if (put.key === MANIFEST) {
        expect(got.status).toBe(404);
        continue;
      }
      expect(got.status, put.key).toBe(200);
      expect(got.contentType, put.key).toBe(TYPES[put.key] ?? 'text/html; charset=utf-8');
      expect(got.cacheControl, put.key).toBe(put.key === MANIFEST ? 'no-cache' : CACHE_CONTROL);
      // s3rver keeps whatever framing the request carried: a streamed, chunk-encoded body would show here.
      expect(Buffer.from(got.body).equals(Buffer.from(put.body)), `${put.key} bytes`).toBe(true);
    }
  });

  it('has feeds whose every item link leads to a served HTML page showing that item’s title', async () => {
    // Prepare
    const links = await feedLinks();

    // Act
    const pages = await Promise.all(links.json.map(async (item) => ({ item, page: await get(item.url) })));

    // Assess
    expect(links.json).toHaveLength(3);
    expect(links.rss).toEqual(links.json.map((item) => item.url));
    expect(links.atom).toEqual(links.json.map((item) => item.url));
    expect(links.json.map((item) => item.title)).toEqual([
      'Schools & Shelters <First> in Line',
      'У Києві відкрили міст',
      'Harbour Ferry Returns',
    ]);
    for (const { item, page } of pages) {
      expect(item.url.startsWith(`${siteUrl}articles/`), item.url).toBe(true);
      expect(page.status, item.url).toBe(200);
      expect(page.contentType, item.url).toBe('text/html; charset=utf-8');
      expect(new TextDecoder().decode(page.body), item.url).toContain(`<h1>${TITLES_AS_HTML[item.title]}</h1>`);
    }
  });

  it('serves an index page that links to the pages and offers the three feeds for autodiscovery', async () => {
    // Prepare
    const indexUrl = `${siteUrl}index.html`;

    // Act
    const index = await get(indexUrl);
    const html = new TextDecoder().decode(index.body);

    // Assess
    expect(index.status).toBe(200);
    expect(html).toContain(`<link rel="alternate" type="application/rss+xml" href="${siteUrl}rss.xml"`);
    expect(html).toContain(`<link rel="alternate" type="application/atom+xml" href="${siteUrl}atom.xml"`);
    expect(html).toContain(`<link rel="alternate" type="application/feed+json" href="${siteUrl}feed.json"`);
    const hrefs = [...html.matchAll(/<h2><a href="([^"]+)">/g)].map((match) => new URL(match[1]!, indexUrl).href);
    expect(hrefs).toEqual((await feedLinks()).json.map((item) => item.url));
    for (const href of hrefs) expect((await get(href)).status, href).toBe(200);
  });

  it('after one article is added, rewrites exactly its page, the index, the three feeds and the manifest', async () => {
    // Prepare
    await writeSeeds(seeds, {
      '2026-02-07-library.txt': seed('2026-02-07', 'Library Opens in a Bank Vault', 'The reading room seats 60.'),
    });
    const before = new Map(await Promise.all(first.puts.map(async (put) => [put.key, (await get(urlOf(put.key))).body] as const)));

    // Act
    const second = await run(new Date('2026-03-02T06:00:00.000Z'));

    // Assess
    const newPage = 'articles/2026-02-07-library-opens-in-a-bank-vault.html';
    expect([...second.summary.objects.writtenKeys].sort()).toEqual([newPage, 'atom.xml', 'feed.json', 'index.html', 'rss.xml']);
    expect(second.puts.map((put) => put.key).sort()).toEqual([MANIFEST, newPage, 'atom.xml', 'feed.json', 'index.html', 'rss.xml']);
    // The three earlier pages, the 404 page and feed.css.
    expect(second.summary.objects.unchanged).toBe(5);
    const links = await feedLinks();
    expect(links.json[0]).toEqual({ url: urlOf(newPage), title: 'Library Opens in a Bank Vault' });
    expect((await get(urlOf(newPage))).status).toBe(200);
    for (const key of first.puts.map((put) => put.key).filter((key) => key.startsWith('articles/'))) {
      expect(Buffer.from((await get(urlOf(key))).body).equals(Buffer.from(before.get(key)!)), key).toBe(true);
    }
  });
});

describe('publish to s3rver: more than one LIST page', () => {
  it('publishes 1,005 articles, and a second run, listing past the first 1,000 keys, writes nothing', async () => {
    // Prepare
    const many = join(dir.path, 'many-seeds');
    const files: Record<string, string> = {};
    for (let i = 0; i < 1005; i++) {
      const day = String((i % 28) + 1).padStart(2, '0');
      files[`2025-01-${day}-n${String(i).padStart(4, '0')}.txt`] = seed(`2025-01-${day}`, `Note ${i}`, `Paragraph ${i}.`);
    }
    await writeSeeds(many, files);
    const client = createS3Client({
      region: localS3Region,
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: localS3Credentials,
    });
    const settings = loadPublishSettings({ FEED_BUCKET: bucket, SEEDS_DIR: many });
    const other = testFeedConfig({}, `${server.endpoint}/${bucket}/many/`);
    const deps = bucketPublishDependencies({
      client,
      feed: other,
      publish: settings,
      defaultSeedsDir: many,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });

    // Act
    // A site of its own under a prefix of the bucket, beside the other tests' site.
    const site = new S3Storage({ client, bucket, prefix: 'many/' });
    const first = await publish({ ...deps, storage: site });
    const second = await publish({ ...deps, storage: site });

    // Assess
    // 1,005 pages, the index, three feeds, the 404 page, feed.css, and 955 older articles in 20 archives of three documents.
    expect(first.objects.written).toBe(1071);
    expect(second.objects).toMatchObject({ written: 0, unchanged: 1071 });
    // The ETags S3 answered the writes with are the ones it lists: a run that changes nothing
    // finds the listing the last one recorded, and stops there.
    const recorded = readManifestHead((await site.get(MANIFEST))?.body)?.settled?.listing;
    expect(recorded).toBe(listingDigest((await listSeeds(deps.seeds)).seeds, await listPublished(site)));
  }, 120_000);
});
