/**
 * `npm start` at the edges of its two serving features: republishing what is saved (watch.ts
 * and its use in start.ts), and whole objects for readers while a run writes
 * (s3rver-consistency.ts). Each case is something a user does: an editor's atomic save, a
 * folder replaced, a reader polling with conditions and ranges while objects are rewritten, a
 * listing while a run writes, Ctrl-C during a republish.
 */
import { DeleteObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync, watch, writeFileSync } from 'node:fs';
import { cp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedS3, localS3Credentials, localS3Region, startEmbeddedS3 } from '../../src/local/embedded-s3.js';
import { republishOnChange, type Started, type StartIo, startLocal } from '../../src/local/start.js';
import type { ChangeWatcher } from '../../src/local/watch.js';
import { createS3Client } from '../../src/storage/s3.js';
import { seed, type TempDir, tempDir } from '../publish/support.js';
import {
  buildStartBundle,
  checkout,
  exitWithin,
  type Launched,
  launchProcess,
  repoRoot,
  type StartBundle,
  serving,
  eventually,
} from './support.js';

const QUIET_MS = 100;
/** For the tests that count runs: long enough that a stall of a loaded machine in the middle of one save does not split it in two. */
const ONE_SAVE_QUIET_MS = 600;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** File descriptors this process holds (Linux). */
const openFds = () => readdirSync('/proc/self/fd').length;

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  complete: boolean;
}

/** A reader's request (unsigned): status, headers and the bytes it got, even when cut short. */
function readerRequest(url: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      const done = (complete: boolean) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete });
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
    });
    req.on('error', reject);
    req.end();
  });
}

const md5Tag = (bytes: Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;

interface JsonFeed {
  readonly title: string;
  readonly items: readonly { readonly title?: string; readonly url: string }[];
}

// ---------------------------------------------------------------------------------------------
// The embedded S3 while objects are rewritten
// ---------------------------------------------------------------------------------------------

describe('the embedded S3 while objects are rewritten', () => {
  const bucket = 'feeds';
  let dir: TempDir;
  let server: EmbeddedS3;
  let client: S3Client;
  /** A client that does not retry, so a 500 the server answers is seen. */
  let once: S3Client;
  const url = (key: string) => `${server.endpoint}/${bucket}/${key}`;

  beforeAll(async () => {
    dir = await tempDir('serving-consistency-');
    server = await startEmbeddedS3({ directory: dir.path, port: 0, bucket });
    const options = { region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials };
    client = createS3Client(options);
    once = createS3Client({ ...options, maxAttempts: 1 });
  });

  afterAll(async () => {
    client?.destroy();
    once?.destroy();
    await server?.close();
    await dir?.remove();
  });

  /** Two versions of very different sizes, each recognisable whole. */
  const versions = [Buffer.alloc(2 * 2 ** 20, 'a'), Buffer.alloc(30 * 2 ** 10, 'b')] as const;
  const put = (key: string, body: Buffer, c: S3Client = client) =>
    c.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/rss+xml' }));

  /** Rewrites `key` `times` times, alternating the versions, and says when it is done. */
  function rewrite(key: string, times: number): { done: Promise<void>; writing: () => boolean } {
    let writing = true;
    const done = (async () => {
      for (let i = 1; i <= times; i++) await put(key, versions[i % 2]!);
      writing = false;
    })();
    return { done, writing: () => writing };
  }

  it('answers HEAD and Range GETs with the length, ETag and bytes of one version while it is rewritten', async () => {
    // Prepare
    const key = 'ranges.xml';
    await put(key, versions[0]);
    const writer = rewrite(key, 20);
    const bad: string[] = [];

    // Act: HEADs and Range GETs of the first and of the last 100 bytes, while it is rewritten
    const readers = Array.from({ length: 3 }, async () => {
      while (writer.writing()) {
        const head = await readerRequest(url(key), { method: 'HEAD' });
        const length = Number(head.headers['content-length']);
        const version = versions.find((v) => v.length === length);
        if (head.status !== 200 || !version || head.headers.etag !== md5Tag(version)) {
          bad.push(`HEAD ${head.status} length ${length} etag ${String(head.headers.etag)}`);
        }
        const range = await readerRequest(url(key), { headers: { range: 'bytes=100-199' } });
        const total = Number(/\/(\d+)$/.exec(String(range.headers['content-range']))?.[1]);
        const whole = versions.find((v) => v.length === total);
        if (
          range.status !== 206 ||
          !whole ||
          !range.complete ||
          !range.body.equals(whole.subarray(100, 200)) ||
          range.headers.etag !== md5Tag(whole)
        ) {
          bad.push(`Range ${range.status} ${String(range.headers['content-range'])} got ${range.body.length} bytes`);
        }
      }
    });
    await Promise.all([writer.done, ...readers]);

    // Assess
    expect(bad).toEqual([]);
  });

  it('answers a conditional GET with 304 only for the version it names, and otherwise the whole other version', async () => {
    // Prepare
    const key = 'conditional.xml';
    await put(key, versions[0]);
    const oldTag = md5Tag(versions[0]);
    const writer = rewrite(key, 20);
    const bad: string[] = [];
    let notModified = 0;

    // Act: a feed reader that last saw the first version, polling while it is rewritten
    const readers = Array.from({ length: 3 }, async () => {
      while (writer.writing()) {
        const got = await readerRequest(url(key), { headers: { 'if-none-match': oldTag } });
        if (got.status === 304) {
          notModified++;
          if (got.headers.etag !== undefined && got.headers.etag !== oldTag) bad.push(`304 with etag ${String(got.headers.etag)}`);
        } else if (got.status !== 200 || !got.complete || !got.body.equals(versions[1]) || got.headers.etag !== md5Tag(versions[1])) {
          bad.push(`${got.status} ${got.body.length} bytes etag ${String(got.headers.etag)}`);
        }
      }
    });
    await Promise.all([writer.done, ...readers]);

    // Assess
    expect(bad).toEqual([]);
    expect(notModified).toBeGreaterThan(0);
  });

  it('answers a GET racing a DELETE with the whole object or 404, never a cut body or a 500', async () => {
    // Prepare
    const bad: string[] = [];
    let gone = 0;

    for (let i = 0; i < 15; i++) {
      const key = `racing/page-${i}.html`;
      await put(key, versions[1]);

      // Act
      const [, ...reads] = await Promise.all([
        client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })),
        ...Array.from({ length: 4 }, () => readerRequest(url(key))),
      ]);

      // Assess (collected)
      for (const got of reads) {
        if (got.status === 404) gone++;
        else if (got.status !== 200 || !got.complete || !got.body.equals(versions[1])) bad.push(`${got.status} ${got.body.length} bytes`);
      }
    }
    expect(bad).toEqual([]);
    expect(gone).toBeGreaterThan(0);
  });

  it('stores a streamed upload whole and keeps readers on the old version until it is complete', async () => {
    // Prepare: a 24 MiB object sent as a stream in 64 KiB chunks
    const key = 'large/archive.bin';
    await put(key, versions[1]);
    const size = 24 * 2 ** 20;
    const chunk = Buffer.alloc(2 ** 16);
    const hash = createHash('md5');
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent >= size) return this.push(null);
        const next = Buffer.from(chunk.map((_, i) => (sent + i) % 251));
        hash.update(next);
        sent += next.length;
        this.push(next);
      },
    });

    // Act: readers while it streams
    const upload = client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: size }));
    let uploading = true;
    void upload.finally(() => {
      uploading = false;
    });
    const during: Got[] = [];
    while (uploading) during.push(await readerRequest(url(key)));
    const answer = await upload;
    const after = await readerRequest(url(key));

    // Assess
    const digest = `"${hash.digest('hex')}"`;
    expect(answer.ETag).toBe(digest);
    expect(after.status).toBe(200);
    expect(after.body.length).toBe(size);
    expect(md5Tag(after.body)).toBe(digest);
    expect(during.filter((got) => got.status !== 200 || !(got.body.equals(versions[1]) || md5Tag(got.body) === digest))).toEqual([]);
  });

  it('keeps the old object, leaves no temp file and answers later reads when an upload is cut off part way', async () => {
    // Prepare: an upload that sends 256 KiB of the 1 MiB it announces, then stalls
    const key = 'cut/feed.json';
    await put(key, versions[1]);
    const folder = join(dir.path, bucket, 'cut');
    let pushed = 0;
    const body = new Readable({
      read() {
        if (pushed++ < 4) this.push(Buffer.alloc(2 ** 16, 'c'));
      },
    });
    const abort = new AbortController();

    // Act: the uploader goes away (its connection closed) part way
    const upload = once
      .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: 2 ** 20 }), { abortSignal: abort.signal })
      .then(
        () => 'stored',
        () => 'failed',
      );
    // Long enough for the 256 KiB to be sent and taken.
    await sleep(500);
    abort.abort();
    const outcome = await upload;
    const got = await Promise.race([readerRequest(url(key)), sleep(5_000).then(() => undefined)]);
    const leftovers = await eventually(
      async () => (await readdir(folder)).filter((name) => name.endsWith('.tmp')),
      (names) => names.length === 0,
      'the temp file removed',
    ).catch(() => readdir(folder));

    // Assess
    expect(outcome).toBe('failed');
    expect(got, 'a GET after the cut upload answered within 5 s').toBeDefined();
    expect(got!.status).toBe(200);
    expect(got!.body.equals(versions[1])).toBe(true);
    expect(leftovers.filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('never shows a temp file left by a killed write, in a listing or as an object', async () => {
    // Prepare: what a process killed between writing and renaming leaves
    await put('left/page.html', versions[1]);
    await writeFile(join(dir.path, bucket, 'left', '.0badf00d.tmp'), 'half a page');
    await writeFile(join(dir.path, bucket, '.0badf00d.tmp'), 'half a feed');

    // Act
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'left/' }));
    const root = await client.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/' }));
    const asObject = await readerRequest(url('left/.0badf00d.tmp'));

    // Assess
    expect((listed.Contents ?? []).map((object) => object.Key)).toEqual(['left/page.html']);
    expect((root.Contents ?? []).map((object) => object.Key)).not.toContain('.0badf00d.tmp');
    expect(asObject.status).toBe(404);
  });

  it('lists a folder while its objects are rewritten without an error, each with a size and an ETag that some version has', async () => {
    // Prepare
    const keys = Array.from({ length: 6 }, (_, i) => `listed/page-${i}.html`);
    for (const key of keys) await put(key, versions[1]);
    let writing = true;
    const small = [Buffer.from('<p>one</p>'), Buffer.from('<p>the other, longer</p>')];
    const writers = keys.map(async (key) => {
      for (let i = 0; writing; i++) await put(key, small[i % 2]!);
    });
    const errors: string[] = [];
    const mismatched: string[] = [];
    const etags = new Set([...small, versions[1]].map((body) => md5Tag(body)));
    const sizes = new Set([...small, versions[1]].map((body) => body.length));

    // Act: 150 listings (no retries) during the rewrites
    for (let i = 0; i < 150; i++) {
      try {
        const listed = await once.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'listed/' }));
        for (const object of listed.Contents ?? []) {
          // Size and ETag are read one after the other, without waiting for the key's write: each
          // is a version's, though not always the same one's (s3rver-consistency.ts says so).
          if (!etags.has(object.ETag!) || !sizes.has(object.Size!))
            mismatched.push(`${object.Key} ETag ${object.ETag} Size ${object.Size}`);
        }
        if ((listed.Contents ?? []).length !== keys.length) mismatched.push(`${(listed.Contents ?? []).length} objects listed`);
      } catch (error) {
        errors.push(String((error as Error).name ?? error));
      }
    }
    writing = false;
    await Promise.all(writers);

    // Assess
    expect({ errors: errors.slice(0, 5), errorCount: errors.length, mismatched: mismatched.slice(0, 5) }).toEqual({
      errors: [],
      errorCount: 0,
      mismatched: [],
    });
  });

  it('refuses a key too long for its files without leaving anything that breaks the bucket', async () => {
    // Prepare: a name of 236 bytes: `NAME._S3rver_object` fits in 255, `NAME._S3rver_metadata.json` does not
    const key = `long/${'x'.repeat(232)}.html`;
    const before = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'long/' }));

    try {
      // Act
      const stored = await put(key, versions[1], once).then(
        () => true,
        () => false,
      );
      const listing = await once.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'long/' })).then(
        (listed) => `listed ${(listed.Contents ?? []).length}`,
        (error: Error) => `listing failed: ${error.name}`,
      );
      const served = (await readerRequest(url(key))).status;
      const leftover = existsSync(join(dir.path, bucket, 'long', `${'x'.repeat(232)}.html._S3rver_object`));

      // Assess: either stored and served, or refused with nothing of it left
      expect(before.Contents ?? []).toEqual([]);
      expect({ stored, listing, served, leftover }).toEqual(
        stored
          ? { stored, listing: 'listed 1', served: 200, leftover: true }
          : { stored, listing: 'listed 0', served: 404, leftover: false },
      );
    } finally {
      await rm(join(dir.path, bucket, 'long'), { recursive: true, force: true });
    }
  });

  it('deletes the last object of a folder and puts another into it at the same time, both succeeding', async () => {
    // Prepare
    const failures: string[] = [];

    for (let i = 0; i < 30; i++) {
      await put(`folder-${i}/old.html`, versions[1]);

      // Act
      const [deleted, written] = await Promise.allSettled([
        once.send(new DeleteObjectCommand({ Bucket: bucket, Key: `folder-${i}/old.html` })),
        put(`folder-${i}/new.html`, versions[1], once),
      ]);

      // Assess (collected)
      if (deleted.status === 'rejected') failures.push(`DELETE: ${(deleted.reason as Error).name}`);
      if (written.status === 'rejected') failures.push(`PUT: ${(written.reason as Error).name}`);
      else if ((await readerRequest(url(`folder-${i}/new.html`))).status !== 200)
        failures.push('PUT answered 200 but the object is not there');
    }
    expect(failures.slice(0, 5)).toEqual([]);
  });

  it('answers conditional GETs with 304 without leaking a file descriptor per request', async () => {
    // Prepare
    const key = 'polled.xml';
    await put(key, versions[1]);
    const future = new Date(Date.now() + 3_600_000).toUTCString();
    // Warm up: keep-alive pools, lazily opened files.
    for (let i = 0; i < 5; i++) await readerRequest(url(key), { headers: { 'if-modified-since': future } });
    const before = openFds();

    // Act: 200 polls by a reader that sends If-Modified-Since only
    const statuses = new Set<number>();
    for (let i = 0; i < 200; i++) statuses.add((await readerRequest(url(key), { headers: { 'if-modified-since': future } })).status);
    await sleep(200);

    // Assess
    expect([...statuses]).toEqual([304]);
    expect(openFds() - before).toBeLessThan(20);
  });
});

// ---------------------------------------------------------------------------------------------
// npm start republishing what is saved (in-process)
// ---------------------------------------------------------------------------------------------

describe('npm start republishing what is saved (in-process)', () => {
  interface Serving {
    readonly dir: TempDir;
    readonly started: Started;
    readonly watcher: ChangeWatcher;
    readonly io: StartIo;
    readonly out: string[];
    readonly err: string[];
    readonly seeds: string;
    readonly jsonFeed: () => Promise<JsonFeed>;
    readonly titles: () => Promise<(string | undefined)[]>;
  }
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * A checkout published and served with `args`, its changes watched (through `republish` when
   * given), after `quietMs` of quiet (QUIET_MS unless told).
   */
  async function serve(
    args: readonly string[] = [],
    options: { seedsDir?: (dir: string) => string; republish?: (started: Started) => Started; quietMs?: number } = {},
  ): Promise<Serving> {
    const dir = await checkout('serving-watch-');
    cleanups.push(() => dir.remove());
    const out: string[] = [];
    const err: string[] = [];
    const io: StartIo = { cwd: dir.path, env: {}, stdout: (line) => out.push(line), stderr: (line) => err.push(line) };
    const result = await startLocal(['--port', '0', ...args], io);
    expect(result.code, err.join('\n')).toBe(0);
    const started = result.started!;
    cleanups.push(() => started.server.close());
    const watcher = republishOnChange(options.republish ? options.republish(started) : started, io, {
      quietMs: options.quietMs ?? QUIET_MS,
    });
    cleanups.push(() => watcher.close());
    out.length = 0;
    const jsonFeed = async () => (await (await fetch(`${started.siteUrl}feed.json`)).json()) as JsonFeed;
    return {
      dir,
      started,
      watcher,
      io,
      out,
      err,
      seeds: started.seedsDir,
      jsonFeed,
      titles: async () => (await jsonFeed()).items.map((item) => item.title),
    };
  }

  const reports = (s: Serving) => s.out.filter((line) => line.includes('republished'));

  it('takes a seed saved as vim saves it: the old file renamed to a backup, the new one written, the backup deleted', async () => {
    // Prepare: a quiet time that a stall between two steps of the save does not outlast
    const s = await serve([], { quietMs: ONE_SAVE_QUIET_MS });
    const name = '2026-08-25-vim.txt';
    await writeFile(join(s.seeds, name), seed('2026-08-25', 'Vim First Draft', 'Text.'));
    await eventually(s.titles, (titles) => titles.includes('Vim First Draft'), 'the first draft');
    await eventually(
      async () => reports(s).length,
      (n) => n === 1,
      'the first report',
    );

    // Act
    await rename(join(s.seeds, name), join(s.seeds, `${name}~`));
    await writeFile(join(s.seeds, `.${name}.swp`), 'swap');
    await writeFile(join(s.seeds, name), seed('2026-08-25', 'Vim Second Draft', 'Text.'));
    await unlink(join(s.seeds, `${name}~`));
    await unlink(join(s.seeds, `.${name}.swp`));

    // Assess: the new title, in one run that unpublished nothing
    await eventually(s.titles, (titles) => titles.includes('Vim Second Draft') && !titles.includes('Vim First Draft'), 'the second draft');
    await eventually(
      async () => reports(s).length,
      (n) => n >= 2,
      'the second report',
    );
    await sleep(ONE_SAVE_QUIET_MS * 2);
    expect(reports(s)).toHaveLength(2);
    expect(reports(s)[1]).toMatch(/republished: \d+ objects written, 0 deleted/);
    expect(s.err).toEqual([]);
  });

  it('takes a seed and feed.config.json replaced atomically, as VS Code and most tools save (temp file renamed over)', async () => {
    // Prepare
    const s = await serve();
    const configFile = join(s.dir.path, 'feed.config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    const [first] = (await readdir(s.seeds)).filter((name) => name.endsWith('.txt')).sort();

    // Act: the config through a temp file beside it, a seed through one in the seeds folder
    await writeFile(join(s.dir.path, '.feed.config.json.tmp-1234'), JSON.stringify({ ...config, title: 'Replaced By Rename' }, null, 2));
    await rename(join(s.dir.path, '.feed.config.json.tmp-1234'), configFile);
    await writeFile(join(s.seeds, `.${first}.tmp`), seed('2026-01-14', 'Atomically Saved Seed', 'Text.'));
    await rename(join(s.seeds, `.${first}.tmp`), join(s.seeds, first!));

    // Assess
    const feed = await eventually(
      s.jsonFeed,
      (json) => json.title === 'Replaced By Rename' && json.items.some((item) => item.title === 'Atomically Saved Seed'),
      'the new title and the new seed',
    );
    expect(feed.title).toBe('Replaced By Rename');
  });

  it('takes many files changed at once, as a git checkout of another branch does, in one run', async () => {
    // Prepare: a quiet time that a stall among the 31 changes does not outlast
    const s = await serve([], { quietMs: ONE_SAVE_QUIET_MS });
    const [removed] = (await readdir(s.seeds)).filter((name) => name.endsWith('.txt')).sort();

    // Act: 30 seeds added, one removed, all within a few milliseconds
    await Promise.all([
      unlink(join(s.seeds, removed!)),
      ...Array.from({ length: 30 }, (_, i) =>
        writeFile(
          join(s.seeds, `2026-10-${String(i + 1).padStart(2, '0')}-branch.txt`),
          seed(`2026-10-${String(i + 1).padStart(2, '0')}`, `Branch Article ${i + 1}`, 'Text.'),
        ),
      ),
    ]);

    // Assess: all there, in one run
    await eventually(
      s.titles,
      (titles) => titles.filter((title) => title?.startsWith('Branch Article')).length === 30,
      'the 30 new articles',
    );
    await eventually(
      async () => reports(s).length,
      (n) => n >= 1,
      'the report',
    );
    await sleep(ONE_SAVE_QUIET_MS * 2);
    expect(reports(s)).toHaveLength(1);
    expect(reports(s)[0]).toMatch(/republished: \d+ objects written, 1 deleted/);
  });

  it('watches a seeds folder given with --seeds outside the working folder', async () => {
    // Prepare
    const elsewhere = await tempDir('serving-watch-elsewhere-');
    cleanups.push(() => elsewhere.remove());
    await cp(join(repoRoot, 'seeds'), elsewhere.path, { recursive: true });
    const s = await serve(['--seeds', elsewhere.path]);
    expect(s.seeds).toBe(elsewhere.path);

    // Act
    await writeFile(join(elsewhere.path, '2026-08-26-outside.txt'), seed('2026-08-26', 'Saved Outside The Checkout', 'Text.'));

    // Assess
    await eventually(s.titles, (titles) => titles.includes('Saved Outside The Checkout'), 'the article');
  });

  it('publishes a save made while a run is writing, by one more run after it', async () => {
    // Prepare: the first republish makes a save after it has read the seeds, while it still runs
    let runs = 0;
    let dir = '';
    const s = await serve([], {
      republish: (started) => ({
        ...started,
        republish: async (request) => {
          runs++;
          const result = await started.republish(request);
          if (runs === 1) {
            await writeFile(join(dir, '2026-08-27-during.txt'), seed('2026-08-27', 'Saved During A Run', 'Text.'));
            await sleep(QUIET_MS * 3);
          }
          return result;
        },
      }),
    });
    dir = s.seeds;

    // Act
    await writeFile(join(s.seeds, '2026-08-26-before.txt'), seed('2026-08-26', 'Saved Before The Run', 'Text.'));

    // Assess
    await eventually(
      s.titles,
      (titles) => titles.includes('Saved Before The Run') && titles.includes('Saved During A Run'),
      'both articles',
    );
    expect(runs).toBe(2);
  });

  it('does not grow its open files or handles over many republishes', async () => {
    // Prepare
    const s = await serve();
    const file = join(s.seeds, '2026-08-28-counter.txt');
    const save = async (i: number) => {
      await writeFile(file, seed('2026-08-28', `Counter ${i}`, 'Text.'));
      await eventually(s.titles, (titles) => titles.includes(`Counter ${i}`), `save ${i}`);
    };
    for (let i = 0; i < 3; i++) await save(i);
    const handles = () => (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
    const [fdsBefore, handlesBefore] = [openFds(), handles()];

    // Act
    for (let i = 3; i < 23; i++) await save(i);

    // Assess
    expect(openFds() - fdsBefore).toBeLessThan(10);
    expect(handles() - handlesBefore).toBeLessThan(10);
  });

  it('keeps republishing after the seeds folder is deleted and made again', async () => {
    // Prepare
    const s = await serve();
    const backup = join(s.dir.path, 'seeds-backup');
    await cp(s.seeds, backup, { recursive: true });

    // Act: the folder removed, then put back with one more article
    await rm(s.seeds, { recursive: true });
    await eventually(
      async () => s.err.join('\n'),
      (text) => text.includes('not republished'),
      'the run of the deletion',
    );
    await cp(backup, s.seeds, { recursive: true });
    await writeFile(join(s.seeds, '2026-09-21-recreated.txt'), seed('2026-09-21', 'Saved Into The New Folder', 'Text.'));

    // Assess: published, or at least said that changes are no longer picked up
    const seen = await eventually(
      async () => JSON.stringify({ published: (await s.titles()).includes('Saved Into The New Folder'), stderr: s.err }),
      (state) => state.includes('"published":true') || state.includes('restart npm start'),
      'the new article, or a word that watching stopped',
    ).catch((error: Error) => error.message);
    expect(seen).toContain('"published":true');
  });

  it('keeps republishing after the seeds folder is replaced by renames', async () => {
    // Prepare
    const s = await serve();
    const next = join(s.dir.path, 'seeds.new');
    await cp(s.seeds, next, { recursive: true });
    await writeFile(join(next, '2026-09-22-swapped.txt'), seed('2026-09-22', 'In The Swapped In Folder', 'Text.'));

    // Act
    await rename(s.seeds, join(s.dir.path, 'seeds.old'));
    await rename(next, s.seeds);
    await eventually(s.titles, (titles) => titles.includes('In The Swapped In Folder'), 'the swapped-in article').catch(() => undefined);
    await writeFile(join(s.seeds, '2026-09-23-after-swap.txt'), seed('2026-09-23', 'Saved After The Swap', 'Text.'));

    // Assess
    const titles = await eventually(s.titles, (list) => list.includes('Saved After The Swap'), 'the article saved after the swap').catch(
      (error: Error) => error.message,
    );
    expect(titles).toEqual(expect.arrayContaining(['In The Swapped In Folder', 'Saved After The Swap']));
  });

  it('publishes a seed saved while the first publish was running', async () => {
    // Prepare: a checkout with enough seeds that the first publish takes a while
    const dir = await checkout('serving-watch-first-');
    cleanups.push(() => dir.remove());
    const seeds = join(dir.path, 'seeds');
    for (let i = 0; i < 150; i++) {
      const day = `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
      await writeFile(join(seeds, `${day}-bulk-${i}.txt`), seed(day, `Bulk Article ${i}`, 'Text.'));
    }
    const out: string[] = [];
    const err: string[] = [];
    const io: StartIo = { cwd: dir.path, env: {}, stdout: (line) => out.push(line), stderr: (line) => err.push(line) };
    const data = join(dir.path, '.local-s3', 'feeds', 'articles');

    // Act: saved once the first publish has read the seeds and is writing pages
    const starting = startLocal(['--port', '0'], io);
    await eventually(
      async () => existsSync(data) && readdirSync(data).length > 0,
      (writing) => writing,
      'the first pages written',
      15_000,
    );
    await writeFile(join(seeds, '2026-09-24-early.txt'), seed('2026-09-24', 'Saved During The First Publish', 'Text.'));
    const result = await starting;
    expect(result.code, err.join('\n')).toBe(0);
    const started = result.started!;
    cleanups.push(() => started.server.close());
    const watcher = republishOnChange(started, io, { quietMs: QUIET_MS });
    cleanups.push(() => watcher.close());

    // Assess
    const feed = async () => ((await (await fetch(`${started.siteUrl}feed.json`)).json()) as JsonFeed).items.map((item) => item.title);
    const titles = await eventually(feed, (list) => list.includes('Saved During The First Publish'), 'the early article').catch(
      (error: Error) => error.message,
    );
    expect(titles).toEqual(expect.arrayContaining(['Saved During The First Publish']));
  });

  it('says nothing for an editor swap file while a scheduled article waits', async () => {
    // Prepare: an article held until a later day, reported once
    const s = await serve();
    await writeFile(join(s.seeds, '2099-01-01-scheduled.txt'), seed('2099-01-01', 'Scheduled For Later', 'Text.'));
    await eventually(
      async () => s.err.join('\n'),
      (text) => text.includes('held until'),
      'the held article reported',
    );
    await sleep(QUIET_MS * 4);
    const [outBefore, errBefore] = [s.out.length, s.err.length];

    // Act: vim writes its swap file now and then while the user types
    for (let i = 0; i < 3; i++) {
      await writeFile(join(s.seeds, '.notes.txt.swp'), `swap ${i}`);
      await sleep(QUIET_MS * 4);
    }

    // Assess
    expect({ stdout: s.out.slice(outBefore), stderr: s.err.slice(errBefore) }).toEqual({ stdout: [], stderr: [] });
  });
});

// ---------------------------------------------------------------------------------------------
// The process: what its entry point wires, and stopping while a republish runs
// ---------------------------------------------------------------------------------------------

// Its first publish of 300 long articles can take a good part of a minute on a loaded machine.
describe('npm start watching, as the bundle runs it, and stopped while it republishes (child process)', { timeout: 120_000 }, () => {
  let bundle: StartBundle;
  let dir: TempDir;
  let child: Launched | undefined;

  beforeAll(async () => {
    bundle = await buildStartBundle('serving-watch-build-');
  });

  afterAll(async () => {
    await bundle?.remove();
  });

  beforeEach(async () => {
    dir = await checkout('serving-watch-child-');
  });

  afterEach(async () => {
    if (child && child.exit === undefined) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
    child = undefined;
    await dir.remove();
  });

  const launch = (args: readonly string[]) =>
    launchProcess(process.execPath, ['--enable-source-maps', bundle.script, '--port', '0', ...args], { cwd: dir.path });
  const rssUrl = (launched: Launched) => /RSS 2\.0\s+(\S+)/.exec(launched.stdout)![1]!;

  it('says it watches before it says it serves, and publishes a seed saved right after', async () => {
    // Prepare
    child = launch([]);
    await serving(child);
    const watching = child.stdout.indexOf('are republished as they are saved.');
    expect(watching, child.stdout).toBeGreaterThan(-1);
    expect(watching).toBeLessThan(child.stdout.indexOf('Serving until Ctrl-C.'));
    expect(child.stdout).toContain(`Changes to ${join(dir.path, 'seeds')} and ${join(dir.path, 'feed.config.json')}`);

    // Act
    await writeFile(join(dir.path, 'seeds', '2026-11-23-child.txt'), seed('2026-11-23', 'Saved Beside A Child', 'Text.'));

    // Assess
    const url = rssUrl(child);
    await eventually(
      async () => (await fetch(url)).text(),
      (text) => text.includes('Saved Beside A Child'),
      'the article in rss.xml',
    );
    await eventually(
      async () => child!.stdout,
      (text) => /\d\d:\d\d:\d\d republished: 5 objects written, 0 deleted/.test(text),
      'the report',
    );
  });

  it('--no-watch serves without republishing, and does not say it watches', async () => {
    // Prepare
    child = launch(['--no-watch']);
    await serving(child);
    const before = await (await fetch(rssUrl(child))).text();

    // Act
    await writeFile(join(dir.path, 'seeds', '2026-11-24-unwatched.txt'), seed('2026-11-24', 'Not Watched', 'Text.'));
    // Well past the quiet time and a run of a few seeds.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    // Assess
    expect(await (await fetch(rssUrl(child))).text()).toBe(before);
    expect(child.stdout).not.toContain('republished');
    expect(child.stdout).not.toContain('are republished as they are saved');
  });

  /** 300 seeds of some length, served by a child; a change of the config's title then rewrites every page for a while. */
  async function serveMany(): Promise<{ child: Launched; rss: string; data: string }> {
    const seeds = join(dir.path, 'seeds');
    const text = 'A paragraph long enough to make each page take a moment to write. '.repeat(300);
    for (let i = 0; i < 300; i++) {
      const day = `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;
      await writeFile(join(seeds, `${day}-bulk-${i}.txt`), seed(day, `Bulk Article ${i}`, text));
    }
    const launched = launchProcess(process.execPath, ['--enable-source-maps', bundle.script, '--port', '0'], { cwd: dir.path });
    child = launched;
    await serving(launched, 90_000);
    return { child: launched, rss: /RSS 2\.0\s+(\S+)/.exec(launched.stdout)![1]!, data: join(dir.path, '.local-s3') };
  }

  /** Changes the config's title and resolves once the run it starts is rewriting pages (and has not finished). */
  async function retitleAndWaitForWrites(launched: Launched, data: string): Promise<void> {
    const articles = join(data, 'feeds', 'articles');
    const configFile = join(dir.path, 'feed.config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    const saved = Date.now();
    await writeFile(configFile, JSON.stringify({ ...config, title: 'Retitled Before Stopping' }, null, 2));
    await eventually(
      // The embedded S3 renames and removes files while it writes, so one listed a moment ago may be gone.
      async () =>
        readdirSync(articles).some(
          (name) => name.endsWith('.tmp') || (statSync(join(articles, name), { throwIfNoEntry: false })?.mtimeMs ?? 0) > saved,
        ),
      (writing) => writing,
      'the republish under way',
    );
    expect(launched.stdout, 'the signal comes while the run writes').not.toContain('republished:');
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`stops on ${signal} during a republish: exits 0 within 5 s, port closed, lock removed, no stack trace`, async () => {
      // Prepare
      const { child: launched, rss, data } = await serveMany();
      await retitleAndWaitForWrites(launched, data);

      // Act
      launched.proc.kill(signal);
      const stopped = await exitWithin(launched, 5_000);

      // Assess
      expect(stopped).toEqual({ code: 0, signal: null });
      expect(
        await fetch(rss).then(
          () => 'answers',
          () => 'closed',
        ),
      ).toBe('closed');
      expect(existsSync(join(data, '.npm-start.lock'))).toBe(false);
      expect(launched.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('leaves the bucket whole when stopped during a republish: the next start removes the temp files, and every ETag is that of its bytes', async () => {
    // Prepare
    const { child: launched, data } = await serveMany();
    await retitleAndWaitForWrites(launched, data);

    // Act: the signal the moment the embedded S3 starts a page's temp file
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        watcher.close();
        reject(new Error('no temp file was seen in articles/ within 10 s'));
      }, 10_000);
      const watcher = watch(join(data, 'feeds', 'articles'), (_event, name) => {
        if (String(name).endsWith('.tmp')) {
          launched.proc.kill('SIGTERM');
          clearTimeout(timer);
          watcher.close();
          resolve();
        }
      });
    });
    expect(await exitWithin(launched, 5_000)).toEqual({ code: 0, signal: null });
    const leftAtExit = (function count(folder: string): number {
      let n = 0;
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (entry.isDirectory()) n += count(join(folder, entry.name));
        else if (entry.name.endsWith('.tmp')) n++;
      }
      return n;
    })(data);
    // A graceful stop lets the writes in flight reach their rename, so it may leave none behind; a
    // stop that kills them part way (a crash, a second signal) does. One is made so that the next
    // start always has one to remove.
    if (leftAtExit === 0) writeFileSync(join(data, 'feeds', 'articles', '.put-0badf00d.tmp'), 'half a page');

    // Act: npm start again, once
    const again = launchProcess(process.execPath, ['--enable-source-maps', bundle.script, '--port', '0', '--once'], { cwd: dir.path });
    child = again;
    expect(await exitWithin(again, 30_000), again.stderr).toEqual({ code: 0, signal: null });

    // Assess: no temp files, and read back through a fresh server every page's ETag is its MD5
    const temps: string[] = [];
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(folder, entry.name));
        else if (entry.name.endsWith('.tmp')) temps.push(entry.name);
      }
    };
    walk(data);
    const server = await startEmbeddedS3({ directory: data, port: 0, bucket: 'feeds' });
    const wrong: string[] = [];
    try {
      const pages = readdirSync(join(data, 'feeds', 'articles')).filter((name) => name.endsWith('._S3rver_object'));
      for (const name of pages) {
        const key = `articles/${name.slice(0, -'._S3rver_object'.length)}`;
        const got = await readerRequest(`${server.endpoint}/feeds/${key}`);
        if (got.headers.etag !== md5Tag(got.body)) wrong.push(key);
      }
    } finally {
      await server.close();
    }
    expect({ temps: temps.length, wrongEtags: wrong.length }).toEqual({ temps: 0, wrongEtags: 0 });
  });
});
