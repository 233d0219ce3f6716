/**
 * SEEDS_SOURCE=bucket end to end: editors upload, edit, delete and rename seeds under
 * SEEDS_PREFIX of the feed bucket, someone changes the published objects between runs, and the
 * Lambda handler (the real one, with its real wiring and S3 client) publishes against a real
 * S3 server (s3rver, in this process). What an operator relies on is read back from the bucket
 * and from the handler's one log line.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { cp, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../handlers/publish.js';
import type { Env } from '../../src/config.js';
import { runCli } from '../../src/cli.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { startLocal, type Started } from '../../src/local/start.js';
import type { PublishSummary } from '../../src/publish/publish.js';
import { createS3Client } from '../../src/storage/s3.js';
import { captureLog, completed, fixtureEvent, lambdaContext } from '../handlers/support.js';
import { seed, tempDir, type TempDir } from './support.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const MANIFEST = '_publish/manifest.json';
const ID_PREFIX = 'tag:feeds.example.org,2026:';

let dir: TempDir;
let server: EmbeddedS3;
let client: S3Client;
let savedEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await tempDir('bucket-mode-');
  savedEnv = { ...process.env };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  server = await startEmbeddedS3({ directory: join(dir.path, 's3'), port: 0, bucket: 'unused', silent: true });
  client = createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
  // The handler's client takes its credentials from the SDK's chain, as it does in Lambda.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await server?.close();
  await dir?.remove();
});

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A bucket of its own for one scenario, with what an operator does to it and the handler that publishes it. */
async function site(bucket: string, extra: Env = {}) {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const url = `${server.endpoint}/${bucket}/`;
  const env: Env = {
    FEED_BUCKET: bucket,
    SEEDS_SOURCE: 'bucket',
    SEEDS_PREFIX: 'seeds/',
    SITE_URL: url,
    FEED_HOME_URL: `${url}index.html`,
    S3_ENDPOINT: server.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: localS3Region,
    ...extra,
  };
  let request = 0;
  const s = {
    url,
    env,
    handler: createHandler(env),
    async put(key: string, body: string | Uint8Array, contentType = 'text/plain') {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: typeof body === 'string' ? utf8(body) : body,
          ContentType: contentType,
        }),
      );
    },
    async seeds(files: Readonly<Record<string, string | Uint8Array>>) {
      for (const [name, body] of Object.entries(files)) await s.put(`seeds/${name}`, body);
    },
    async delete(key: string) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    async get(key: string): Promise<{ body: Uint8Array; contentType: string | undefined; etag: string } | undefined> {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return { body: await out.Body!.transformToByteArray(), contentType: out.ContentType, etag: out.ETag ?? '' };
      } catch {
        return undefined;
      }
    },
    /** Every object outside the seeds folder, key → ETag. */
    async objects(): Promise<Map<string, string>> {
      const found = new Map<string, string>();
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const object of page.Contents ?? []) if (!object.Key!.startsWith('seeds/')) found.set(object.Key!, object.ETag!);
        token = page.NextContinuationToken;
      } while (token);
      return found;
    },
    /** The seeds as listed, key → ETag: the publisher only ever reads them. */
    async seedEtags(): Promise<Map<string, string>> {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'seeds/' }));
      return new Map((page.Contents ?? []).map((object) => [object.Key!, object.ETag!]));
    },
    /** Every object outside the seeds folder and the manifest, key → bytes as text. */
    async contents(): Promise<Record<string, string>> {
      const all: Record<string, string> = {};
      for (const key of (await s.objects()).keys()) if (key !== MANIFEST) all[key] = text((await s.get(key))!.body);
      return all;
    },
    /** One invocation: its result (or error) and the log lines it wrote. */
    async invoke(event: unknown): Promise<{ summary?: PublishSummary; error?: Error; lines: Record<string, unknown>[] }> {
      const log = captureLog();
      try {
        const summary = await completed(s.handler(event, lambdaContext(`request-${bucket}-${++request}`)));
        return { summary, lines: log.logLines() };
      } catch (error) {
        return { error: error as Error, lines: log.logLines() };
      } finally {
        vi.restoreAllMocks();
      }
    },
    async json(): Promise<{ items: { id: string; url: string; title: string; content_html: string }[] }> {
      return JSON.parse(text((await s.get('feed.json'))!.body));
    },
  };
  return s;
}

type Site = Awaited<ReturnType<typeof site>>;

/** What changed between two listings: keys written anew or with other bytes, and keys gone. */
function changes(before: Map<string, string>, after: Map<string, string>): { written: string[]; deleted: string[] } {
  const written = [...after].filter(([key, etag]) => key !== MANIFEST && before.get(key) !== etag).map(([key]) => key);
  const deleted = [...before.keys()].filter((key) => !after.has(key));
  return { written: written.sort(), deleted: deleted.sort() };
}

/** The one INFO line a run that published logs. */
function publishedLine(lines: Record<string, unknown>[]): PublishSummary & { trigger: string; ignored?: string[] } {
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'INFO', message: 'published' });
  return lines[0] as unknown as PublishSummary & { trigger: string; ignored?: string[] };
}

const scheduled = () => fixtureEvent('scheduled.json');

/** The line's counts add up to the site as the bucket holds it: every object but the manifest written or unchanged. */
function countsMatch(line: PublishSummary, after: Map<string, string>): void {
  expect(line.objects.written + line.objects.unchanged).toBe(after.size - 1);
  expect(line.objects.written).toBe(line.objects.writtenKeys.length);
  expect(line.objects.deleted).toBe(line.objects.deletedKeys.length);
}

/** Eight articles, so that one of them may be unpublished within the default 20 %. */
const EIGHT: Readonly<Record<string, string>> = Object.fromEntries(
  Array.from({ length: 8 }, (_, n) => [
    `2026-01-${String(n + 10)}-story-${n}.txt`,
    seed(`2026-01-${String(n + 10)}`, `Story Number ${n}`, `Lede of story ${n}.`, `Body of story ${n}.`),
  ]),
);

describe('bucket mode: seeds an editor uploads, edits, deletes and renames', () => {
  let s: Site;

  beforeAll(async () => {
    s = await site('lifecycle');
    await s.seeds(EIGHT);
  });

  it('publishes every seed uploaded under the prefix, and the log line lists exactly the objects that appeared', async () => {
    // Prepare
    const before = await s.objects();

    // Act
    const { summary, lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    const after = await s.objects();
    expect(line).toMatchObject({ trigger: 'schedule', force: false, dryRun: false });
    expect(line.articles).toEqual({ seeds: 8, read: 8, published: 8, held: 0, rejected: 0, unpublished: 0 });
    expect([...line.objects.writtenKeys].sort()).toEqual(changes(before, after).written);
    countsMatch(line, after);
    expect(summary!.objects).toEqual(line.objects);
    expect(line.feedItems).toBe(8);
    expect((await s.json()).items.map((item) => item.title)).toEqual(Array.from({ length: 8 }, (_, n) => `Story Number ${7 - n}`));
  });

  it('re-reads a seed edited to other bytes of the same size, rewriting its page and the feeds only', async () => {
    // Prepare
    const name = '2026-01-13-story-3.txt';
    const edited = EIGHT[name]!.replace('Body of story 3.', 'Body of STORY 3.');
    expect(utf8(edited).byteLength).toBe(utf8(EIGHT[name]!).byteLength);
    await s.seeds({ [name]: edited });
    const before = await s.objects();

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    const after = await s.objects();
    expect(line.articles).toMatchObject({ seeds: 8, read: 1, published: 8, unpublished: 0 });
    const page = 'articles/2026-01-13-story-number-3.html';
    // The index shows titles and ledes, which the edit left alone.
    expect(changes(before, after).written).toEqual([page, 'atom.xml', 'feed.json', 'rss.xml']);
    expect([...line.objects.writtenKeys].sort()).toEqual(changes(before, after).written);
    countsMatch(line, after);
    expect(text((await s.get(page))!.body)).toContain('Body of STORY 3.');
    expect((await s.json()).items.find((item) => item.title === 'Story Number 3')!.content_html).toContain('Body of STORY 3.');
  });

  it('unpublishes a deleted seed: its page is deleted, it leaves the feeds, and the log line names the page', async () => {
    // Prepare
    await s.delete('seeds/2026-01-11-story-1.txt');
    const before = await s.objects();

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    const after = await s.objects();
    const page = 'articles/2026-01-11-story-number-1.html';
    expect(line.articles).toMatchObject({ seeds: 7, published: 7, unpublished: 1 });
    expect(line.objects.deletedKeys).toEqual([page]);
    expect(changes(before, after).deleted).toEqual([page]);
    expect([...line.objects.writtenKeys].sort()).toEqual(changes(before, after).written);
    countsMatch(line, after);
    expect((await s.json()).items.map((item) => item.title)).not.toContain('Story Number 1');
    expect((await fetch(`${s.url}${page}`)).status).toBe(404);
  });

  it('publishes a renamed seed as a new article with a new id, and unpublishes the old name', async () => {
    // Prepare
    const old = '2026-01-12-story-2.txt';
    await s.seeds({ '2026-01-12-story-two.txt': EIGHT[old]! });
    await s.delete(`seeds/${old}`);
    const before = await s.objects();

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    const after = await s.objects();
    expect(line.articles).toMatchObject({ seeds: 7, read: 1, published: 7, unpublished: 1 });
    const items = (await s.json()).items;
    expect(items.filter((item) => item.title === 'Story Number 2').map((item) => item.id)).toEqual([
      `${ID_PREFIX}articles/2026-01-12-story-two`,
    ]);
    // A slug once given is never given again: the new article's page has another name.
    expect(line.objects.deletedKeys).toEqual(['articles/2026-01-12-story-number-2.html']);
    expect(line.objects.writtenKeys).toContain('articles/2026-01-12-story-number-2-2.html');
    expect(changes(before, after)).toEqual({ written: [...line.objects.writtenKeys].sort(), deleted: [...line.objects.deletedKeys] });
    countsMatch(line, after);
  });

  it('counts as unpublished an article whose seed is deleted after someone already deleted its page', async () => {
    // Prepare
    await s.delete('articles/2026-01-15-story-number-5.html');
    await s.delete('seeds/2026-01-15-story-5.txt');

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    expect((await s.json()).items.map((item) => item.title)).not.toContain('Story Number 5');
    expect(line.articles).toMatchObject({ seeds: 6, published: 6, unpublished: 1 });
  });

  it('with nothing changed since, reads no seed and writes nothing, manifest included', async () => {
    // Prepare
    const before = await s.objects();

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    expect(line.articles).toMatchObject({ seeds: 6, read: 0, published: 6 });
    expect(line.objects).toMatchObject({ written: 0, deleted: 0, unchanged: before.size - 1 });
    expect(await s.objects()).toEqual(before);
  });
});

describe('bucket mode: seed keys as editors name them', () => {
  let s: Site;
  const ODD: Readonly<Record<string, string>> = {
    '2026-01-05 town hall.txt': seed('2026-01-05', 'Town Hall Reopens', 'The doors open at nine.'),
    '2026-01-06-c++-meetup.txt': seed('2026-01-06', 'C++ Meetup Moves', 'The meetup moves to the library.'),
    '2026-01-07-київ.txt': seed('2026-01-07', 'Київ вночі', 'Місто світиться.'),
    '2026-01-08-100% sure & done.txt': seed('2026-01-08', 'Sure and Done', 'Percent signs and ampersands in a key.'),
    // As a Mac names it: the accent a combining mark after the e (NFD).
    '2026-01-03-cafe\u0301.txt': seed('2026-01-03', 'Café Opens', 'Coffee at last.'),
  };
  const big = seed('2026-01-09', 'Far Too Long', `${'Word '.repeat(400)}end.`);

  beforeAll(async () => {
    s = await site('odd-keys', { MAX_SEED_BYTES: '1KiB' });
    await s.seeds(ODD);
    // The S3 console's "Create folder" leaves a zero-byte object named like the folder.
    await s.put('seeds/', new Uint8Array());
    await s.put('seeds/drafts/', new Uint8Array());
    await s.seeds({
      'drafts/2026-01-04-draft.txt': seed('2026-01-04', 'Draft In A Subfolder', 'Not ready.'),
      'notes.md': '# Notes for editors\n',
      '2026-01-10-empty.txt': new Uint8Array(),
      '2026-01-11-big.txt': big,
    });
  });

  it('publishes seeds whose keys hold spaces, +, % and & and non-ASCII letters, each under its percent-encoded id with a served page', async () => {
    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    expect(line.articles.published).toBe(5);
    const items = (await s.json()).items;
    expect(items.map((item) => item.id).sort()).toEqual(
      Object.keys(ODD)
        .map((name) => `${ID_PREFIX}articles/${encodeURIComponent(name.slice(0, -4).normalize('NFC'))}`)
        .sort(),
    );
    for (const item of items) {
      const page = await fetch(item.url);
      expect(page.status, item.url).toBe(200);
      expect(await page.text(), item.url).toContain(item.title);
    }
  });

  it('counts no object in a subfolder of the prefix, no folder marker and no file that is not .txt as a seed', async () => {
    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    // The five articles, the empty seed and the oversized one.
    expect(line.articles.seeds).toBe(7);
    expect(line.rejected.map((bad) => bad.file).sort()).toEqual(['2026-01-10-empty.txt', '2026-01-11-big.txt']);
    expect(line.skipped).toEqual([]);
    expect((await s.json()).items.map((item) => item.title)).not.toContain('Draft In A Subfolder');
  });

  it('refuses a zero-byte seed and, without reading it, one over MAX_SEED_BYTES, naming both in the log line', async () => {
    // Prepare
    const fresh = await site('odd-keys-refused', { MAX_SEED_BYTES: '1KiB' });
    await fresh.seeds({ ...ODD, '2026-01-10-empty.txt': new Uint8Array(), '2026-01-11-big.txt': big });

    // Act
    const { lines } = await fresh.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    expect(line.articles).toEqual({ seeds: 7, read: 6, published: 5, held: 0, rejected: 2, unpublished: 0 });
    const [empty, tooBig] = line.rejected;
    expect(empty).toMatchObject({ file: '2026-01-10-empty.txt', line: 1, keptPublished: false });
    expect(tooBig).toMatchObject({ file: '2026-01-11-big.txt', line: 1, keptPublished: false });
    expect(tooBig!.reason).toContain('MAX_SEED_BYTES');
  });

  it('publishes a seed refused as too large, unedited, once a new container runs with a higher MAX_SEED_BYTES', async () => {
    // Prepare
    const raised = await site('limit-raised', { MAX_SEED_BYTES: '1KiB' });
    await raised.seeds({ ...ODD, '2026-01-11-big.txt': big });
    expect(publishedLine((await raised.invoke(await scheduled())).lines).articles).toMatchObject({ published: 5, rejected: 1 });
    raised.handler = createHandler({ ...raised.env, MAX_SEED_BYTES: '4KiB' });

    // Act
    const { lines } = await raised.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    expect(line.articles).toMatchObject({ read: 1, published: 6, rejected: 0 });
    expect(line.objects.writtenKeys).toContain('articles/2026-01-09-far-too-long.html');
  });

  it('settles: the next run with these keys reads no seed and writes nothing', async () => {
    // Prepare
    const before = await s.objects();

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    expect(line.articles.read).toBe(0);
    expect(line.objects).toMatchObject({ written: 0, deleted: 0 });
    expect(await s.objects()).toEqual(before);
  });

  it('publishes the oversized seed once it is cut under the limit, and deletes nothing', async () => {
    // Prepare
    await s.seeds({ '2026-01-11-big.txt': seed('2026-01-11', 'Now Short Enough', 'Cut down.') });

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    expect(line.articles).toMatchObject({ seeds: 7, read: 1, published: 6, rejected: 1, unpublished: 0 });
    expect(line.objects.writtenKeys).toContain('articles/2026-01-11-now-short-enough.html');
    expect(line.objects.deletedKeys).toEqual([]);
  });

  it('keeps the last good version of a published seed emptied to zero bytes online, reporting it on every run', async () => {
    // Prepare
    const page = 'articles/2026-01-06-c-meetup-moves.html';
    const before = (await s.get(page))!.body;
    await s.seeds({ '2026-01-06-c++-meetup.txt': new Uint8Array() });

    // Act
    const emptied = await s.invoke(await scheduled());
    const again = await s.invoke(await scheduled());

    // Assess
    for (const { lines } of [emptied, again]) {
      const line = publishedLine(lines);
      expect(line.articles).toMatchObject({ published: 6, rejected: 2, unpublished: 0 });
      expect(line.rejected).toContainEqual(expect.objectContaining({ file: '2026-01-06-c++-meetup.txt', keptPublished: true }));
    }
    expect(publishedLine(again.lines).objects.written).toBe(0);
    expect((await s.get(page))!.body).toEqual(before);
    expect((await s.json()).items.map((item) => item.title)).toContain('C++ Meetup Moves');
  });
});

describe('bucket mode: more than 1,000 seeds', () => {
  it('publishes 1,010 seeds listed over two LIST pages; one edited in the middle rewrites its page and its archive only', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    const s = await site('many');
    const name = (n: number) =>
      `2025-${String((n % 12) + 1).padStart(2, '0')}-${String((n % 28) + 1).padStart(2, '0')}-n${String(n).padStart(4, '0')}.txt`;
    const bodyOf = (n: number, word: string) => {
      const file = name(n);
      return seed(file.slice(0, 10), `Note ${n}`, `Paragraph ${n}.`, `The ${word} text.`);
    };
    const files: Record<string, string> = {};
    for (let n = 0; n < 1010; n++) files[name(n)] = bodyOf(n, 'first');
    const entries = Object.entries(files);
    // 32 uploads at a time: s3rver refuses connections beyond a few hundred at once.
    for (let at = 0; at < entries.length; at += 32)
      await Promise.all(entries.slice(at, at + 32).map(([file, body]) => s.put(`seeds/${file}`, body)));
    const first = await s.invoke(await scheduled());
    const firstLine = publishedLine(first.lines) as PublishSummary & { cut?: Record<string, number> };
    expect(firstLine.articles).toMatchObject({ seeds: 1010, read: 1010, published: 1010 });
    // The log line keeps 100 keys and says how many there were; the return value keeps them all.
    expect(firstLine.objects.writtenKeys).toHaveLength(100);
    expect(firstLine.cut).toEqual({ 'objects.writtenKeys': first.summary!.objects.written });
    expect(new Set(first.summary!.objects.writtenKeys)).toEqual(new Set([...(await s.objects()).keys()].filter((key) => key !== MANIFEST)));
    const before = await s.objects();
    await s.seeds({ [name(505)]: bodyOf(505, 'fixed') });

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    const after = await s.objects();
    expect(line.articles).toMatchObject({ seeds: 1010, published: 1010, unpublished: 0 });
    const written = changes(before, after).written;
    expect([...line.objects.writtenKeys].sort()).toEqual(written);
    expect(written.filter((key) => key.startsWith('articles/'))).toEqual([`articles/${name(505).slice(0, 10)}-note-505.html`]);
    expect(written.filter((key) => !key.startsWith('articles/'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^archive\/rss-\d+\.xml$/)]),
    );
    expect(written).toHaveLength(4);
    expect(line.objects.deletedKeys).toEqual([]);
  });
});

describe('bucket mode: published objects changed between runs', () => {
  let s: Site;
  let published: Record<string, string>;

  beforeAll(async () => {
    // Three items a feed: the eight articles also fill two archives.
    s = await site('drift', { FEED_ITEM_LIMIT: '3' });
    await s.seeds(EIGHT);
    publishedLine((await s.invoke(await scheduled())).lines);
    published = await s.contents();
  });

  it('puts back, in a plain scheduled run, a deleted page, a defaced archive, a deleted feed and an overwritten index', async () => {
    // Prepare
    expect(Object.keys(published)).toContain('archive/rss-1.xml');
    await s.delete('articles/2026-01-10-story-number-0.html');
    await s.put('archive/rss-1.xml', '<rss>defaced</rss>', 'application/xml; charset=utf-8');
    await s.delete('feed.json');
    await s.put('index.html', '<h1>defaced</h1>', 'text/html; charset=utf-8');
    await s.delete('404.html');

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    // An archive is rendered as a whole: its three documents are written together.
    expect([...line.objects.writtenKeys].sort()).toEqual([
      '404.html',
      'archive/atom-1.xml',
      'archive/feed-1.json',
      'archive/rss-1.xml',
      'articles/2026-01-10-story-number-0.html',
      'feed.json',
      'index.html',
    ]);
    expect(line.objects.deleted).toBe(0);
    countsMatch(line, await s.objects());
    expect(await s.contents()).toEqual(published);
  });

  it('after repairing, settles: the next run writes nothing', async () => {
    // Prepare
    const before = await s.objects();

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    expect(publishedLine(lines).objects).toMatchObject({ written: 0, deleted: 0 });
    expect(await s.objects()).toEqual(before);
  });

  it('puts back, with force, the Content-Type of a feed re-uploaded with the same bytes as another type (README: a listing carries no headers)', async () => {
    // Prepare: someone "fixes" the type by hand (S3 console, Edit metadata): Chromium then shows the feed as plain text.
    const rss = (await s.get('rss.xml'))!;
    await s.put('rss.xml', rss.body, 'application/rss+xml');
    expect((await s.get('rss.xml'))!.contentType).toBe('application/rss+xml');

    // Act
    const { lines } = await s.invoke({ force: true });

    // Assess
    publishedLine(lines);
    expect((await s.get('rss.xml'))!.contentType).toBe('application/xml; charset=utf-8');
  });

  it.each([
    [
      'deleted',
      async (site: Site) => site.delete(MANIFEST),
      'keep their page addresses and edit dates, read back from the published JSON feeds',
    ],
    ['not JSON', async (site: Site) => site.put(MANIFEST, '{"version": 2, "articles": {', 'application/json'), 'is not valid JSON'],
    [
      'cut short',
      async (site: Site) => {
        const bytes = (await site.get(MANIFEST))!.body;
        await site.put(MANIFEST, bytes.subarray(0, Math.floor(bytes.byteLength / 2)), 'application/json');
      },
      'rebuilding',
    ],
  ] as const)(
    'rebuilds a manifest %s from the seeds and the listing, says so, and leaves every object with its bytes',
    async (_what, spoil, warning) => {
      // Prepare
      await spoil(s);

      // Act
      const { lines } = await s.invoke(await scheduled());
      const next = await s.invoke(await scheduled());

      // Assess
      const line = publishedLine(lines);
      if (warning) expect(line.warnings.join('\n')).toContain(warning);
      else expect(line.warnings).toEqual([]);
      expect(line.articles).toMatchObject({ seeds: 8, published: 8, unpublished: 0 });
      expect(await s.contents()).toEqual(published);
      expect((await s.get(MANIFEST))?.body.byteLength).toBeGreaterThan(0);
      expect(publishedLine(next.lines).objects).toMatchObject({ written: 0, deleted: 0 });
    },
  );
});

describe('bucket mode: where seeds are and when they are due', () => {
  it('reads seeds only under a nested SEEDS_PREFIX, never a .txt at the root or in another folder, and writes nothing there', async () => {
    // Prepare
    const s = await site('nested-prefix', { SEEDS_PREFIX: 'editorial/seeds/' });
    await s.put('editorial/seeds/2026-01-10-kept.txt', seed('2026-01-10', 'Under The Prefix', 'Published.'));
    await s.put('editorial/2026-01-11-above.txt', seed('2026-01-11', 'Above The Prefix', 'Not a seed.'));
    await s.put('2026-01-12-root.txt', seed('2026-01-12', 'At The Root', 'Not a seed.'));
    await s.put('seeds/2026-01-13-default.txt', seed('2026-01-13', 'In The Default Folder', 'Not a seed here.'));

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(lines);
    expect(line.articles).toMatchObject({ seeds: 1, published: 1 });
    expect((await s.json()).items.map((item) => item.title)).toEqual(['Under The Prefix']);
    expect(line.objects.writtenKeys.filter((key) => key.startsWith('editorial/') || key.endsWith('.txt'))).toEqual([]);
  });

  it('holds a seed dated in the future: no page, not in the feeds, named in the log line, and nothing written on the next run', async () => {
    // Prepare
    const s = await site('held');
    await s.seeds({ ...EIGHT, '2099-01-01-later.txt': seed('2099-01-01', 'Not Yet', 'Embargoed.') });

    // Act
    const first = await s.invoke(await scheduled());
    const second = await s.invoke(await scheduled());

    // Assess
    const line = publishedLine(first.lines);
    expect(line.articles).toMatchObject({ seeds: 9, published: 8, held: 1 });
    expect(line.held).toEqual([{ file: '2099-01-01-later.txt', date: '2099-01-01' }]);
    expect(line.objects.writtenKeys.filter((key) => key.includes('not-yet'))).toEqual([]);
    expect((await s.json()).items.map((item) => item.title)).not.toContain('Not Yet');
    expect(publishedLine(second.lines)).toMatchObject({ held: line.held, objects: { written: 0 } });
  });
});

describe('bucket mode: objects beside the site', () => {
  it('never deletes what someone else keeps under articles/, archive/ or the root, and settles with them there', async () => {
    // Prepare
    const s = await site('beside');
    await s.seeds(EIGHT);
    publishedLine((await s.invoke(await scheduled())).lines);
    // Under archive/, names no run makes (documents numbered beyond the archive are the run's to delete).
    const theirs = ['articles/press-kit.html', 'archive/rss-099.xml', 'archive/readme.txt', 'robots.txt'];
    for (const key of theirs) await s.put(key, `kept: ${key}`);

    // Act
    const first = await s.invoke(await scheduled());
    const second = await s.invoke(await scheduled());

    // Assess
    expect(publishedLine(first.lines).objects).toMatchObject({ written: 0, deleted: 0 });
    expect(publishedLine(second.lines).objects).toMatchObject({ written: 0, deleted: 0 });
    for (const key of theirs) expect(text((await s.get(key))!.body)).toBe(`kept: ${key}`);
  });
});

describe('bucket mode: a manifest rebuilt after a title was corrected', () => {
  it('keeps the article at the page URL it was first published under, leaving no second page behind', async () => {
    // Prepare
    const s = await site('rebuild-slugs');
    await s.seeds(EIGHT);
    publishedLine((await s.invoke(await scheduled())).lines);
    const name = '2026-01-14-story-4.txt';
    await s.seeds({ [name]: EIGHT[name]!.replace('Story Number 4', 'Story Number Four, Corrected') });
    publishedLine((await s.invoke(await scheduled())).lines);
    const page = 'articles/2026-01-14-story-number-4.html';
    const url = (await s.json()).items.find((item) => item.title === 'Story Number Four, Corrected')!.url;
    expect(url).toBe(`${s.url}${page}`);
    await s.put(MANIFEST, 'not a manifest', 'application/json');

    // Act
    const { lines } = await s.invoke(await scheduled());

    // Assess
    publishedLine(lines);
    const items = (await s.json()).items;
    expect(items.find((item) => item.title === 'Story Number Four, Corrected')!.url).toBe(url);
    const pages = [...(await s.objects()).keys()].filter((key) => key.startsWith('articles/'));
    expect(pages).toHaveLength(8);
  });
});

describe('bucket mode: what the event asks for', () => {
  let s: Site;

  beforeAll(async () => {
    s = await site('events');
    await s.seeds(EIGHT);
    publishedLine((await s.invoke(await scheduled())).lines);
  });

  it('a manual {"dryRun":true} writes nothing and reports exactly what the next plain run writes and deletes', async () => {
    // Prepare
    await s.seeds({
      '2026-01-20-new.txt': seed('2026-01-20', 'A New Arrival', 'Fresh.'),
      '2026-01-15-story-5.txt': EIGHT['2026-01-15-story-5.txt']!.replace('Body of story 5.', 'Body of story five.'),
    });
    await s.delete('seeds/2026-01-16-story-6.txt');
    const before = await s.objects();

    // Act
    const dry = await s.invoke(await fixtureEvent('manual-dry-run.json'));
    const afterDry = await s.objects();
    const real = await s.invoke(await scheduled());

    // Assess
    const dryLine = publishedLine(dry.lines);
    expect(dryLine).toMatchObject({ trigger: 'manual', dryRun: true, force: false });
    // The manifest included: the plain run after it still has everything to do.
    expect(afterDry).toEqual(before);
    const realLine = publishedLine(real.lines);
    expect([...dryLine.objects.writtenKeys].sort()).toEqual([...realLine.objects.writtenKeys].sort());
    expect(dryLine.objects.deletedKeys).toEqual(realLine.objects.deletedKeys);
    expect(dryLine.articles).toEqual(realLine.articles);
    expect(changes(before, await s.objects())).toEqual({
      written: [...realLine.objects.writtenKeys].sort(),
      deleted: ['articles/2026-01-16-story-number-6.html'],
    });
  });

  it('a manual {"force":true} reads every seed and rewrites every object with the bytes it already had, leaving the seeds alone', async () => {
    // Prepare
    const before = await s.contents();
    const seeds = await s.seedEtags();

    // Act
    const { lines } = await s.invoke(await fixtureEvent('manual-force.json'));

    // Assess
    const line = publishedLine(lines);
    expect(line).toMatchObject({ trigger: 'manual', force: true, dryRun: false });
    expect(line.articles).toMatchObject({ seeds: 8, read: 8, published: 8 });
    expect([...line.objects.writtenKeys].sort()).toEqual(Object.keys(before).sort());
    expect(line.objects.unchanged).toBe(0);
    expect(await s.contents()).toEqual(before);
    expect(await s.seedEtags()).toEqual(seeds);
  });

  it('a scheduled event carrying force and dryRun runs plain: reads no seed, writes nothing, and the log line names what it ignored', async () => {
    // Prepare
    const event = { ...(await scheduled()), detail: { force: true, dryRun: true } };
    const before = await s.objects();

    // Act
    const { lines } = await s.invoke(event);

    // Assess
    const line = publishedLine(lines);
    expect(line).toMatchObject({ trigger: 'schedule', force: false, dryRun: false, ignored: ['detail.force', 'detail.dryRun'] });
    expect(line.articles.read).toBe(0);
    expect(line.objects.written).toBe(0);
    expect(line.warnings.join('\n')).toContain('ignored');
    expect(await s.objects()).toEqual(before);
  });

  it('a scheduled run that would unpublish most articles fails on an ERROR line, writing nothing; a manual force then unpublishes them', async () => {
    // Prepare
    const gone = ['2026-01-10-story-0.txt', '2026-01-12-story-2.txt', '2026-01-13-story-3.txt', '2026-01-14-story-4.txt'];
    for (const name of gone) await s.delete(`seeds/${name}`);
    const before = await s.objects();

    // Act
    const refused = await s.invoke(await scheduled());
    const afterRefusal = await s.objects();
    const forced = await s.invoke({ force: true });

    // Assess
    expect(refused.error?.message).toContain('would unpublish 4 of 8');
    expect(refused.lines).toHaveLength(1);
    expect(refused.lines[0]).toMatchObject({ level: 'ERROR', trigger: 'schedule' });
    expect(String(refused.lines[0]!.message)).toContain('UNPUBLISH_MAX_SHARE');
    expect(afterRefusal).toEqual(before);
    const line = publishedLine(forced.lines);
    expect(line.articles).toMatchObject({ seeds: 4, published: 4, unpublished: 4 });
    expect(changes(before, await s.objects()).deleted).toEqual([...line.objects.deletedKeys]);
    expect(line.objects.deletedKeys).toHaveLength(4);
  });
});

describe('bucket mode: one publish path', () => {
  let started: Started | undefined;
  afterAll(async () => {
    await started?.server.close();
  });

  it('writes, from the repository’s seeds uploaded to the bucket, the very objects npm start and cli build write from the folder', async () => {
    // Prepare
    const work = join(dir.path, 'one-path');
    await cp(join(repoRoot, 'seeds'), join(work, 'seeds'), { recursive: true });
    await cp(join(repoRoot, 'feed.config.json'), join(work, 'feed.config.json'));
    const quiet = { stdout: () => {}, stderr: () => {} };
    const local = await startLocal(['--port', '0', '--data', join(work, 'data')], { cwd: work, env: {}, ...quiet });
    started = local.started;
    expect(local.code).toBe(0);
    const { siteUrl, server: localServer } = started!;
    const localClient = createS3Client({
      region: localS3Region,
      endpoint: localServer.endpoint,
      forcePathStyle: true,
      credentials: localS3Credentials,
    });
    await localClient.send(new CreateBucketCommand({ Bucket: 'from-bucket' }));
    for (const name of await readdir(join(work, 'seeds')))
      await localClient.send(
        new PutObjectCommand({ Bucket: 'from-bucket', Key: `seeds/${name}`, Body: await readFile(join(work, 'seeds', name)) }),
      );
    const env = { SITE_URL: siteUrl, FEED_HOME_URL: `${siteUrl}index.html` };
    const handler = createHandler({
      ...env,
      FEED_BUCKET: 'from-bucket',
      SEEDS_SOURCE: 'bucket',
      S3_ENDPOINT: localServer.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_REGION: localS3Region,
    });

    // Act
    const log = captureLog();
    let summary: PublishSummary;
    try {
      summary = await completed(handler(await scheduled(), lambdaContext('request-one-path')));
    } finally {
      vi.restoreAllMocks();
    }
    const cliCode = await runCli(['build', '--seeds', 'seeds', '--out', 'cli-out'], { ...quiet, env, cwd: work, now: () => new Date() });

    // Assess
    expect(log.written).toHaveLength(1);
    expect(cliCode).toBe(0);
    expect(summary.articles).toMatchObject({ seeds: 7, published: 7, rejected: 0 });
    const inBucket = async (bucket: string) => {
      const objects: Record<string, string> = {};
      let token: string | undefined;
      do {
        const page = await localClient.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        for (const { Key } of page.Contents ?? []) {
          if (Key === MANIFEST || Key!.startsWith('seeds/')) continue;
          const out = await localClient.send(new GetObjectCommand({ Bucket: bucket, Key }));
          objects[Key!] = await out.Body!.transformToString();
        }
        token = page.NextContinuationToken;
      } while (token);
      return objects;
    };
    const fromCli: Record<string, string> = {};
    const out = join(work, 'cli-out');
    for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      const key = relative(out, path).split('\\').join('/');
      if (entry.isFile() && key !== MANIFEST) fromCli[key] = await readFile(path, 'utf8');
    }
    const fromStart = await inBucket('feeds');
    expect(Object.keys(fromStart).length).toBe(7 + 6);
    expect(await inBucket('from-bucket')).toEqual(fromStart);
    expect(fromCli).toEqual(fromStart);
  });
});
