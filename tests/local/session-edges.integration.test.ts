/**
 * More edges of the reader middleware in front of the embedded S3 (conditions, ranges, bucket
 * names), FolderStorage's refusal of linked folders, exitWhenWritten in the real CLI process, and
 * printableName on CLI lines.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { localS3Credentials, localS3Region, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { FolderStorage } from '../../src/storage/folder.js';
import { createS3Client } from '../../src/storage/s3.js';
import { printableName } from '../../src/text/printable.js';
import { fakeIo } from '../helpers/cli-io.js';
import { buildCliBundle } from '../helpers/cli-process.js';
import { configFileJson, seedText } from '../helpers/factory.js';
import { tempDir, type TempDir } from '../publish/support.js';
import { type RawResponse, rawRequest as rawRequestTo } from './support.js';

/** One raw request to the server on 127.0.0.1 at `port` (support.ts rawRequest). */
function rawRequest(port: number, target: string, method = 'GET', headers: Readonly<Record<string, string>> = {}): Promise<RawResponse> {
  return rawRequestTo(`http://127.0.0.1:${port}`, target, method, headers);
}

const openFds = () => readdirSync('/proc/self/fd').length;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('reader requests to the embedded S3: conditions and ranges', () => {
  const bucket = 'feeds';
  let dir: TempDir;
  let server: EmbeddedS3;
  let client: S3Client;
  const RSS = Buffer.from(`<rss>${'0123456789'.repeat(100)}</rss>`);
  const NOT_FOUND = Buffer.from('<p>no such page</p>');
  const get = (key: string, headers: Record<string, string> = {}, method = 'GET') =>
    rawRequest(server.port, `/${bucket}/${key}`, method, headers);

  beforeAll(async () => {
    dir = await tempDir('reader-more-');
    server = await startEmbeddedS3({ directory: join(dir.path, 'data'), port: 0, bucket, silent: true });
    client = createS3Client({ region: localS3Region, endpoint: server.endpoint, forcePathStyle: true, credentials: localS3Credentials });
    const put = (Key: string, Body: Buffer | string, ContentType: string) =>
      client.send(new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType }));
    await put('index.html', 'the index', 'text/html; charset=utf-8');
    await put('404.html', NOT_FOUND, 'text/html; charset=utf-8');
    await put('rss.xml', RSS, 'application/rss+xml; charset=utf-8');
    await put('empty.xml', '', 'application/xml');
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await dir?.remove();
  });

  it('fails If-Match with the weak form of the current ETag (412), and passes If-Match: * on an existing object', async () => {
    const etag = (await get('rss.xml')).headers.etag!;

    const weak = await get('rss.xml', { 'If-Match': `W/${etag}` });
    const star = await get('rss.xml', { 'If-Match': '*' });

    expect(weak.status).toBe(412);
    expect(star.status).toBe(200);
    expect(star.body.equals(RSS)).toBe(true);
  });

  it('answers HEAD with a failing If-Match with 412 and no body, and a HEAD with a matching If-None-Match with 304', async () => {
    const etag = (await get('rss.xml')).headers.etag!;

    const failed = await get('rss.xml', { 'If-Match': '"nope"' }, 'HEAD');
    const notModified = await get('rss.xml', { 'If-None-Match': etag }, 'HEAD');

    expect([failed.status, failed.body.length]).toEqual([412, 0]);
    expect([notModified.status, notModified.body.length]).toEqual([304, 0]);
  });

  it('answers bytes=0-0 with one byte, its Content-Length, Content-Range, ETag and Last-Modified', async () => {
    const full = await get('rss.xml');

    const one = await get('rss.xml', { Range: 'bytes=0-0' });

    expect(one.status).toBe(206);
    expect(one.body.equals(RSS.subarray(0, 1))).toBe(true);
    expect(one.headers['content-length']).toBe('1');
    expect(one.headers['content-range']).toBe(`bytes 0-0/${RSS.length}`);
    expect(one.headers.etag).toBe(full.headers.etag);
    expect(one.headers['last-modified']).toBe(full.headers['last-modified']);
    expect(one.headers['content-type']).toBe(full.headers['content-type']);
  });

  it('ignores an invalid range (bytes=5-2) and clamps huge numbers: whole object, last byte, 416', async () => {
    const backwards = await get('rss.xml', { Range: 'bytes=5-2' });
    const hugeEnd = await get('rss.xml', { Range: 'bytes=10-99999999999999999999999' });
    const hugeSuffix = await get('rss.xml', { Range: 'bytes=-99999999999999999999999' });
    const hugeStart = await get('rss.xml', { Range: 'bytes=99999999999999999999999-' });

    expect(backwards.status).toBe(200);
    expect(backwards.body.equals(RSS)).toBe(true);
    expect([hugeEnd.status, hugeEnd.headers['content-range']]).toEqual([206, `bytes 10-${RSS.length - 1}/${RSS.length}`]);
    expect(hugeEnd.body.equals(RSS.subarray(10))).toBe(true);
    expect([hugeSuffix.status, hugeSuffix.headers['content-range']]).toEqual([206, `bytes 0-${RSS.length - 1}/${RSS.length}`]);
    expect([hugeStart.status, hugeStart.headers['content-range']]).toEqual([416, `bytes */${RSS.length}`]);
  });

  it('answers 416 with a Content-Length that is its body’s, and any range of an empty object with 416 bytes */0', async () => {
    const past = await get('rss.xml', { Range: `bytes=${RSS.length}-` });
    const emptyFrom = await get('empty.xml', { Range: 'bytes=0-' });
    const emptySuffix = await get('empty.xml', { Range: 'bytes=-5' });

    expect(past.status).toBe(416);
    expect(past.headers['content-length']).toBe(String(past.body.length));
    expect([emptyFrom.status, emptyFrom.headers['content-range']]).toEqual([416, 'bytes */0']);
    expect([emptySuffix.status, emptySuffix.headers['content-range']]).toEqual([416, 'bytes */0']);
  });

  it('answers a range on a missing page with the whole 404 page, and a range under If-Range with the exact Last-Modified with 206', async () => {
    const full = await get('rss.xml');

    const missing = await get('no-such.xml', { Range: 'bytes=0-3' });
    const byDate = await get('rss.xml', { Range: 'bytes=0-3', 'If-Range': full.headers['last-modified']! });
    const byWeak = await get('rss.xml', { Range: 'bytes=0-3', 'If-Range': `W/${full.headers.etag}` });

    expect(missing.status).toBe(404);
    expect(missing.body.equals(NOT_FOUND)).toBe(true);
    expect(missing.headers['content-range']).toBeUndefined();
    expect(byDate.status).toBe(206);
    expect(byDate.body.equals(RSS.subarray(0, 4))).toBe(true);
    expect(byWeak.status).toBe(200);
    expect(byWeak.body.equals(RSS)).toBe(true);
  });

  it('ignores an If-Modified-Since that is not an HTTP-date (a bare year, an ISO timestamp) and sends the whole feed', async () => {
    const bareYear = await get('rss.xml', { 'If-Modified-Since': '3000' });
    const iso = await get('rss.xml', { 'If-Modified-Since': '2999-01-01T00:00:00Z' });

    expect([bareYear.status, iso.status]).toEqual([200, 200]);
    expect(bareYear.body.equals(RSS)).toBe(true);
  });

  it('ignores an If-Unmodified-Since that is not an HTTP-date instead of refusing with 412', async () => {
    const response = await get('rss.xml', { 'If-Unmodified-Since': '2001' });

    expect(response.status).toBe(200);
  });

  it('closes the object’s file for every 206, 416, 412 and conditional HEAD it answers (no descriptor leak)', async () => {
    const etag = (await get('rss.xml')).headers.etag!;
    const kinds: [Record<string, string>, string][] = [
      [{ Range: 'bytes=0-9' }, 'GET'],
      [{ Range: 'bytes=-5' }, 'GET'],
      [{ Range: `bytes=${RSS.length + 5}-` }, 'GET'],
      [{ 'If-Match': '"other"' }, 'GET'],
      [{ 'If-Match': '"other"' }, 'HEAD'],
      [{ 'If-None-Match': etag }, 'HEAD'],
      [{ Range: 'bytes=0-9', 'If-Range': '"old"' }, 'GET'],
    ];
    for (const [headers, method] of kinds) await get('rss.xml', headers, method);
    const before = openFds();

    const statuses = new Set<number>();
    for (let i = 0; i < 40; i++) for (const [headers, method] of kinds) statuses.add((await get('rss.xml', headers, method)).status);
    await sleep(200);

    expect([...statuses].sort()).toEqual([200, 206, 304, 412, 416]);
    expect(openFds() - before).toBeLessThan(20);
  });

  it('leaves the publisher’s signed requests to s3rver: a conditional PUT with the current ETag, a signed Range GET and HEAD', async () => {
    const etag = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'rss.xml' }))).ETag!;

    const put = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'rss.xml', Body: RSS, IfMatch: etag, ContentType: 'application/rss+xml; charset=utf-8' }),
    );
    const ranged = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'rss.xml', Range: 'bytes=0-4' }));

    expect(put.ETag).toBe(etag);
    expect(ranged.ContentRange).toBe(`bytes 0-4/${RSS.length}`);
    expect(await ranged.Body!.transformToString()).toBe(RSS.subarray(0, 5).toString());
  });

  it('refuses bucket names S3 refuses to a reader with 400, and still serves the site at /feeds/', async () => {
    const upper = await rawRequest(server.port, '/Feeds/rss.xml');
    const dotted = await rawRequest(server.port, '/..%2Ffeeds/rss.xml');
    const site = await rawRequest(server.port, '/feeds/');

    expect([upper.status, dotted.status]).toEqual([400, 400]);
    expect([site.status, site.body.toString()]).toEqual([200, 'the index']);
  });
});

describe('FolderStorage and symbolic links', () => {
  let dir: TempDir;

  beforeAll(async () => {
    dir = await tempDir('linked-folders-');
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('writes and reads through a site folder root that is itself a symbolic link', async () => {
    const real = join(dir.path, 'real-site');
    mkdirSync(real);
    symlinkSync(real, join(dir.path, 'linked-site'));
    const storage = new FolderStorage(join(dir.path, 'linked-site'));

    await storage.put('articles/a.html', Buffer.from('a'), { contentType: 'text/html' });
    const got = await storage.get('articles/a.html');

    expect(Buffer.from(got!.body).toString()).toBe('a');
    expect(readFileSync(join(real, 'articles', 'a.html'), 'utf8')).toBe('a');
  });

  it('lists nothing under a prefix whose folder is a symbolic link, as a listing of the whole site leaves the link out', async () => {
    const root = join(dir.path, 'site-listed');
    const seeds = join(dir.path, 'seeds-listed');
    mkdirSync(root);
    mkdirSync(seeds);
    writeFileSync(join(seeds, '2026-02-01-a.txt'), 'a seed');
    symlinkSync(seeds, join(root, 'articles'));
    const storage = new FolderStorage(root);

    const whole = await storage.list('');
    const underPrefix = await storage.list('articles/');

    expect(whole).toEqual([]);
    expect(underPrefix).toEqual([]);
  });
});

describe('file names on CLI lines', () => {
  it('quotes names holding DEL, C1 controls and U+2028 on one line, and leaves emoji and plain names alone', () => {
    expect(printableName('a\u007fb.txt')).toBe('"a\\u007fb.txt"');
    expect(printableName('a\u0085b.txt')).toBe('"a\\u0085b.txt"');
    expect(printableName('a\u2028b.txt')).toBe('"a\\u2028b.txt"');
    expect(printableName('a\u001b[31mred.txt')).toBe('"a\\u001b[31mred.txt"');
    expect(printableName('Family 👨‍👩‍👧.txt')).toBe('Family 👨‍👩‍👧.txt');
    expect(printableName('plain.txt')).toBe('plain.txt');
  });

  it('quotes names holding bidirectional formatting characters, which make a name read as another, and leaves right-to-left names alone', () => {
    expect(printableName('report\u202Etxt.exe')).toBe('"report\\u202etxt.exe"');
    expect(printableName('a\u2066b\u2069.txt')).toBe('"a\\u2066b\\u2069.txt"');
    expect(printableName('a\u200Fb.txt')).toBe('"a\\u200fb.txt"');
    expect(printableName('a\u061Cb.txt')).toBe('"a\\u061cb.txt"');
    expect(printableName('מאמר.txt')).toBe('מאמר.txt');
    expect(printableName('مقالة.txt')).toBe('مقالة.txt');
  });

  it('prints two different names differently: a name holding a newline and one spelled like its quoted form', () => {
    const withNewline = 'a\nb.txt';
    const spelledQuoted = '"a\\nb.txt"';

    expect(printableName(withNewline)).not.toBe(printableName(spelledQuoted));
  });

  it('keeps a rejected seed’s line whole when the reason names another file holding a newline (an id collision)', async () => {
    const dir = await tempDir('cli-names-');
    try {
      await writeFile(join(dir.path, 'feed.config.json'), JSON.stringify(configFileJson()));
      await mkdir(join(dir.path, 'seeds'));
      await writeFile(join(dir.path, 'seeds', 'x\ny.txt'), seedText('2026-02-01', 'One', 'x.'));
      await writeFile(join(dir.path, 'seeds', 'x\ny.TXT'), seedText('2026-02-02', 'Two', 'y.'));
      const io = fakeIo(dir.path);

      const code = await runCli(['build', '--out', 'out', '--now', '2026-03-01T00:00:00Z'], io);

      const collision = io.err.find((line) => line.includes('has the same item id'));
      expect(code).toBe(0);
      expect(collision).toBeDefined();
      expect(collision).not.toContain('\n');
    } finally {
      await dir.remove();
    }
  });
});

describe('the CLI process exiting once its output is written', () => {
  let bundle: Awaited<ReturnType<typeof buildCliBundle>> | undefined;
  let work: TempDir;

  beforeAll(async () => {
    bundle = await buildCliBundle('exit-bundle-');
    work = await tempDir('cli-exit-');
    await writeFile(join(work.path, 'feed.config.json'), JSON.stringify(configFileJson()));
    await mkdir(join(work.path, 'seeds'));
    for (let i = 0; i < 1500; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      await writeFile(
        join(work.path, 'seeds', `s${String(i).padStart(5, '0')}.txt`),
        seedText(`2026-02-${day}`, `Story ${i}`, `Text ${i}.`),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await bundle?.remove();
    await work?.remove();
  });

  /** `sh -c COMMAND` in the work folder with $CLI set: the exit status of the CLI (first of the pipe) and stderr. */
  const shell = (command: string) =>
    new Promise<{ status: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', `${command}; echo "status=\${PIPESTATUS[0]}" >&2`], {
        cwd: work.path,
        env: { PATH: process.env.PATH ?? '', CLI: `${process.execPath} ${bundle!.script}` },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      child.stdout.resume();
      child.on('error', reject);
      child.on('close', () => resolve({ status: /status=(\d+)/.exec(stderr)?.[1] ?? '', stderr }));
    });

  it('exits 0 without a stack trace when the reader of its stdout stops after one line (`| head -1`), and writes every line to a file', async () => {
    const cut = await shell('$CLI build --out out --now 2026-03-01T00:00:00Z --dry-run | head -1 >/dev/null');
    const toFile = await shell('$CLI build --out out --now 2026-03-01T00:00:00Z --dry-run > plan.txt');

    expect(cut.status).toBe('0');
    expect(cut.stderr).not.toMatch(/EPIPE|^\s+at /m);
    expect(toFile.status).toBe('0');
    const plan = readFileSync(join(work.path, 'plan.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    expect(plan.filter((line) => line.startsWith('would write ')).length).toBeGreaterThan(1500);
    expect(plan.at(-1)).toMatch(/^dry run, nothing written: 1500 articles published/);
  }, 60_000);

  it('does not exit 0 when its output could not be written (stdout on a full device)', async () => {
    const full = await shell('$CLI build --out out --now 2026-03-01T00:00:00Z --dry-run > /dev/full');

    expect(full.status).not.toBe('0');
  }, 60_000);
});
