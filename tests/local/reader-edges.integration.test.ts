/**
 * What a feed reader and a browser get from the server `npm start` runs, beyond what
 * reader.integration, start-readers.integration and start.integration already check. The
 * server is started in process (`startLocal` on port 0, as reader.integration does), with the
 * repository's seeds and `FEED_ITEM_LIMIT=3` so that archives exist too; requests go over raw
 * HTTP/1.1 so that the request target is sent exactly as written (no normalising of `//`,
 * `..` or `%2F`) and a body sent with a 304 or a HEAD answer would be seen.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET, startLocal, type Started, type StartIo } from '../../src/local/start.js';
import { CONTENT_TYPES } from '../../src/site-files.js';
import type { TempDir } from '../publish/support.js';
import { checkout, type RawResponse, rawRequest as rawRequestTo } from './support.js';

/** One raw request to the server on 127.0.0.1 at `port` (support.ts rawRequest). */
function rawRequest(port: number, target: string, method = 'GET', headers: Readonly<Record<string, string>> = {}): Promise<RawResponse> {
  return rawRequestTo(`http://127.0.0.1:${port}`, target, method, headers);
}

/** Whether a TCP connection to host:port is accepted (false when refused or not answered within 2 s). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, 2000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

const OBJECT_SUFFIX = '._S3rver_object';
const SECRET = 'a file outside the data folder';

describe('what the local server answers a feed reader and a browser, at the edges', () => {
  let dir: TempDir;
  let started: Started;
  let port: number;
  const site = `/${LOCAL_BUCKET}/`;
  /** The bytes of what a reader gets at a path under the site. */
  const get = (path: string, headers: Record<string, string> = {}) => rawRequest(port, `${site}${path}`, 'GET', headers);
  let notFoundPage: Buffer;
  /** An article page's key, as the JSON Feed links it. */
  let articleKey: string;

  beforeAll(async () => {
    // Prepare (shared): the repository's seeds served for the whole block, and a file beside the
    // data folder, named as s3rver names its object files, that no request may reach.
    dir = await checkout('reader-edges-');
    await mkdir(join(dir.path, 'outside'));
    await writeFile(join(dir.path, 'outside', `secret.txt${OBJECT_SUFFIX}`), SECRET);
    const err: string[] = [];
    const io: StartIo = { cwd: dir.path, env: { FEED_ITEM_LIMIT: '3' }, stdout: () => {}, stderr: (line) => err.push(line) };
    const result = await startLocal(['--port', '0'], io);
    expect(result.code, err.join('\n')).toBe(0);
    started = result.started!;
    port = started.server.port;
    notFoundPage = (await get('404.html')).body;
    const feed = JSON.parse((await get('feed.json')).body.toString('utf8')) as { items: { url: string }[] };
    articleKey = feed.items[0]!.url.slice(started.siteUrl.length);
    expect(articleKey.startsWith('articles/'), articleKey).toBe(true);
  });

  afterAll(async () => {
    await started?.server.close();
    await dir?.remove();
  });

  it('serves every stored object with the bytes, Content-Type and Cache-Control kept in the data folder', async () => {
    // Prepare: every object file of the bucket, with its metadata as s3rver stored it.
    const bucketDir = join(dir.path, '.local-s3', LOCAL_BUCKET);
    const files = (await readdir(bucketDir, { recursive: true })).filter((name) => name.endsWith(OBJECT_SUFFIX));
    const keys = files
      .map((file) => file.slice(0, -OBJECT_SUFFIX.length).split(sep).join('/'))
      .filter((key) => !key.startsWith('_publish/'));
    expect(keys).toEqual(expect.arrayContaining(['rss.xml', 'atom.xml', 'feed.json', 'feed.css', 'index.html', '404.html', articleKey]));

    // Act
    const served = await Promise.all(
      keys.map(async (key) => ({ key, response: await get(key.split('/').map(encodeURIComponent).join('/')) })),
    );

    // Assess
    for (const { key, response } of served) {
      const stored = await readFile(join(bucketDir, `${key}${OBJECT_SUFFIX}`));
      const metadata = JSON.parse(await readFile(join(bucketDir, `${key}._S3rver_metadata.json`), 'utf8')) as Record<string, string>;
      expect(response.status, key).toBe(200);
      expect(response.body.equals(stored), key).toBe(true);
      expect(response.headers['content-type'], key).toBe(metadata['content-type']);
      expect(response.headers['cache-control'], key).toBe(metadata['cache-control']);
      expect(response.headers['content-type'], key).toMatch(/; charset=utf-8$/);
    }
  });

  it('serves feed.css as text/css with a charset', async () => {
    // Act
    const css = await get('feed.css');

    // Assess
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe(CONTENT_TYPES.css);
    expect(css.body.length).toBeGreaterThan(0);
  });

  it('answers the site root with index.html: the same bytes, type and ETag, and 304 for that ETag', async () => {
    // Prepare
    const index = await get('index.html');

    // Act
    const root = await rawRequest(port, site);
    const conditional = await rawRequest(port, site, 'GET', { 'If-None-Match': index.headers.etag! });

    // Assess
    expect(root.status).toBe(200);
    expect(root.body.equals(index.body)).toBe(true);
    expect(root.headers['content-type']).toBe(CONTENT_TYPES.html);
    expect(root.headers.etag).toBe(index.headers.etag);
    expect(conditional.status).toBe(304);
    expect(conditional.body.length).toBe(0);
  });

  it('sends with a 304 the ETag, Last-Modified and Cache-Control a 200 would carry (RFC 9110 15.4.5)', async () => {
    // Prepare
    const full = await get('atom.xml');

    // Act
    const notModified = await get('atom.xml', { 'If-None-Match': full.headers.etag! });

    // Assess
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect({
      etag: notModified.headers.etag,
      lastModified: notModified.headers['last-modified'],
      cacheControl: notModified.headers['cache-control'],
    }).toEqual({ etag: full.headers.etag, lastModified: full.headers['last-modified'], cacheControl: full.headers['cache-control'] });
  });

  it('answers a conditional HEAD with 304 and no body, and an unconditional one with 200 and no body', async () => {
    // Prepare
    const full = await get('feed.json');

    // Act
    const conditional = await rawRequest(port, `${site}feed.json`, 'HEAD', { 'If-None-Match': full.headers.etag! });
    const plain = await rawRequest(port, `${site}feed.json`, 'HEAD');

    // Assess
    expect(conditional.status).toBe(304);
    expect(conditional.body.length).toBe(0);
    expect(plain.status).toBe(200);
    expect(plain.body.length).toBe(0);
    expect(plain.headers['content-length']).toBe(String(full.body.length));
  });

  it('answers If-Modified-Since later than Last-Modified with 304, and one that is not a date with the whole feed', async () => {
    // Prepare
    const full = await get('rss.xml');
    const later = new Date(Date.parse(full.headers['last-modified']!) + 60_000).toUTCString();

    // Act
    const byLater = await get('rss.xml', { 'If-Modified-Since': later });
    const byGarbage = await get('rss.xml', { 'If-Modified-Since': 'yesterday, roughly' });

    // Assess
    expect(byLater.status).toBe(304);
    expect(byGarbage.status).toBe(200);
    expect(byGarbage.body.equals(full.body)).toBe(true);
  });

  it('answers a missing page with the whole 404 page even when the request is conditional', async () => {
    // Prepare
    const notFoundEtag = (await get('404.html')).headers.etag!;

    // Act
    const byStar = await get('no-such-page.html', { 'If-None-Match': '*' });
    const byNotFoundEtag = await get('no-such-page.html', { 'If-None-Match': notFoundEtag });
    const bySince = await get('no-such-page.html', { 'If-Modified-Since': new Date(Date.now() + 3_600_000).toUTCString() });

    // Assess
    for (const response of [byStar, byNotFoundEtag, bySince]) {
      expect(response.status).toBe(404);
      expect(response.body.equals(notFoundPage)).toBe(true);
    }
  });

  it('answers HEAD of a missing page with 404, the 404 page’s length and no body', async () => {
    // Act
    const head = await rawRequest(port, `${site}articles/2020-01-01-gone.html`, 'HEAD');

    // Assess
    expect(head.status).toBe(404);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-type']).toBe(CONTENT_TYPES.html);
    expect(head.headers['content-length']).toBe(String(notFoundPage.length));
  });

  it('answers a folder with a trailing slash (/articles/, /archive/) with the site’s 404 page and status 404', async () => {
    // Act
    const responses = await Promise.all(['articles/', 'archive/', 'articles'].map((path) => get(path)));

    // Assess
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(response.body.equals(notFoundPage)).toBe(true);
    }
  });

  it('ignores S3 sub-resource query strings: the site root stays index.html, a feed keeps its content type', async () => {
    // Prepare
    const index = await get('index.html');
    const rss = await get('rss.xml');

    // Act
    const listing = await rawRequest(port, `${site}?list-type=2`);
    const acl = await rawRequest(port, `${site}?acl`);
    const retyped = await rawRequest(port, `${site}rss.xml?response-content-type=text%2Fhtml&x=1`);

    // Assess
    expect(listing.status).toBe(200);
    expect(listing.body.equals(index.body)).toBe(true);
    expect(acl.status).toBe(200);
    expect(acl.body.equals(index.body)).toBe(true);
    expect(retyped.status).toBe(200);
    expect(retyped.headers['content-type']).toBe(CONTENT_TYPES.rss);
    expect(retyped.body.equals(rss.body)).toBe(true);
  });

  it('redirects the site address without its final slash, with a query string, to the site', async () => {
    // Act
    const redirected = await rawRequest(port, `/${LOCAL_BUCKET}?utm_source=x`);

    // Assess
    expect(redirected.status).toBe(301);
    expect(redirected.headers.location).toBe(site);
  });

  it('serves a page whose key has its slash percent-encoded (%2F), as S3 decodes it', async () => {
    // Prepare
    const page = await get(articleKey);

    // Act
    const encoded = await get(articleKey.replace('/', '%2F'));

    // Assess
    expect(encoded.status).toBe(200);
    expect(encoded.body.equals(page.body)).toBe(true);
  });

  it('refuses a key that climbs out of the bucket with ..%2F, and shows nothing outside it', async () => {
    // Act
    const climbed = await get('..%2F..%2Foutside%2Fsecret.txt');

    // Assess
    expect(climbed.status).toBeGreaterThanOrEqual(400);
    expect(climbed.body.toString('utf8')).not.toContain(SECRET);
  });

  it('never serves the manifest, whatever the path: /feeds%2F_publish/manifest.json names no bucket S3 allows', async () => {
    // Act
    const manifest = await rawRequest(port, `/${LOCAL_BUCKET}%2F_publish/manifest.json`);

    // Assess
    expect(manifest.status).toBe(400);
    expect(manifest.body.toString('utf8')).toContain('<Code>InvalidBucketName</Code>');
    expect(manifest.body.toString('utf8')).not.toContain('"articles"');
  });

  it('shows nothing outside the data folder through a bucket segment with ..%2F', async () => {
    // Act
    const escaped = await rawRequest(port, `/${LOCAL_BUCKET}%2F..%2F..%2Foutside/secret.txt`);

    // Assess
    expect(escaped.status).toBeGreaterThanOrEqual(400);
    expect(escaped.body.toString('utf8')).not.toContain(SECRET);
  });

  it('answers a double slash inside the site with the site’s 404 page and status 404, as S3 finds no key "/rss.xml"', async () => {
    // Act
    const doubled = await rawRequest(port, `${site}/rss.xml`);

    // Assess
    expect(doubled.status).toBe(404);
    expect(doubled.headers['content-type']).toBe(CONTENT_TYPES.html);
    expect(doubled.body.equals(notFoundPage)).toBe(true);
  });

  it('does not redirect //feeds/rss.xml out of the site', async () => {
    // Act
    const response = await rawRequest(port, `/${site}rss.xml`);

    // Assess
    expect(response.headers.location).toBeUndefined();
    expect([200, 404]).toContain(response.status);
  });

  it('answers a suffix Range (bytes=-10) with the last 10 bytes', async () => {
    // Prepare
    const full = await get('rss.xml');
    const size = full.body.length;

    // Act
    const tail = await get('rss.xml', { Range: 'bytes=-10' });

    // Assess
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe(`bytes ${size - 10}-${size - 1}/${size}`);
    expect(tail.body.equals(full.body.subarray(size - 10))).toBe(true);
  });

  it('answers a Range GET with a matching If-None-Match with 304, as RFC 9110 13.2.2 evaluates it before the range', async () => {
    // Prepare
    const etag = (await get('rss.xml')).headers.etag!;

    // Act
    const ranged = await get('rss.xml', { Range: 'bytes=0-99', 'If-None-Match': etag });

    // Assess
    expect(ranged.status).toBe(304);
    expect(ranged.body.length).toBe(0);
  });

  it('answers a failed If-Match or If-Unmodified-Since with 412, as S3 does', async () => {
    // Prepare
    const full = await get('rss.xml');
    const earlier = new Date(Date.parse(full.headers['last-modified']!) - 3_600_000).toUTCString();

    // Act
    const byMatch = await get('rss.xml', { 'If-Match': '"00000000000000000000000000000000"' });
    const byUnmodified = await get('rss.xml', { 'If-Unmodified-Since': earlier });

    // Assess
    expect({ byMatch: byMatch.status, byUnmodified: byUnmodified.status }).toEqual({ byMatch: 412, byUnmodified: 412 });
  });

  it('answers a range past the end with 416 and the size, and ignores a range under an If-Range that no longer holds', async () => {
    // Prepare
    const full = await get('atom.xml');
    const size = full.body.length;

    // Act
    const past = await get('atom.xml', { Range: `bytes=${size}-` });
    const stale = await get('atom.xml', { Range: 'bytes=0-9', 'If-Range': '"an-older-version"' });
    const current = await get('atom.xml', { Range: 'bytes=0-9', 'If-Range': full.headers.etag! });
    const several = await get('atom.xml', { Range: 'bytes=0-9,20-29' });

    // Assess
    expect([past.status, past.headers['content-range']]).toEqual([416, `bytes */${size}`]);
    expect(stale.status).toBe(200);
    expect(stale.body.equals(full.body)).toBe(true);
    expect(current.status).toBe(206);
    expect(current.body.equals(full.body.subarray(0, 10))).toBe(true);
    expect(current.headers['content-type']).toBe(full.headers['content-type']);
    expect(several.status).toBe(200);
    expect(several.body.equals(full.body)).toBe(true);
  });

  it('answers a holding If-Match with the object, and a HEAD with a range with the whole object’s headers', async () => {
    // Prepare
    const full = await get('rss.xml');

    // Act
    const matched = await get('rss.xml', { 'If-Match': `"other", ${full.headers.etag}` });
    const head = await rawRequest(port, `${site}rss.xml`, 'HEAD', { Range: 'bytes=0-9' });

    // Assess
    expect(matched.status).toBe(200);
    expect(matched.body.equals(full.body)).toBe(true);
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(full.body.length), 0]);
  });

  it('listens on 127.0.0.1 only: other loopback and interface addresses refuse the connection', async () => {
    // Prepare
    const others = ['127.0.0.2', '::1'];
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) if (!address.internal && !address.address.startsWith('fe80:')) others.push(address.address);
    }

    // Act
    const onLoopback = await accepts('127.0.0.1', port);
    const elsewhere = await Promise.all(others.map(async (host) => [host, await accepts(host, port)] as const));

    // Assess
    expect(onLoopback).toBe(true);
    expect(Object.fromEntries(elsewhere)).toEqual(Object.fromEntries(others.map((host) => [host, false])));
  });

  // Last: it rewrites every object.
  it('keeps every feed’s ETag across a forced republish of the same seeds, so a polling reader still gets 304', async () => {
    // Prepare
    const feeds = ['rss.xml', 'atom.xml', 'feed.json', 'index.html', articleKey];
    const before = await Promise.all(feeds.map(async (key) => (await get(key)).headers.etag!));

    // Act
    const { summary } = await started.republish({ force: true });
    const polled = await Promise.all(feeds.map(async (key, i) => (await get(key, { 'If-None-Match': before[i]! })).status));
    const after = await Promise.all(feeds.map(async (key) => (await get(key)).headers.etag!));

    // Assess
    expect(summary.objects.written).toBeGreaterThan(0);
    expect(after).toEqual(before);
    expect(polled).toEqual(feeds.map(() => 304));
  });
});
