/**
 * Runs the built bundle through `serverless invoke local` (stage "local", as
 * `npm run republish:local` does) against an s3rver started here, then reads the feeds back.
 * Prepare and Act (the invocation) run once in beforeAll; the tests assess what it left.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localS3Credentials, startEmbeddedS3, type EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { prepareServiceCopy, serverless, type CommandResult, type ServiceCopy } from './support.js';

const BUCKET = 'feeds';
const SITE_URL = 'https://feeds.test.example/';
const TIMEOUT = 300_000;

let service: ServiceCopy;
let s3Dir: string;
let s3: EmbeddedS3;
let client: S3Client;
let invocation: CommandResult;

async function read(key: string): Promise<{ body: string; contentType: string | undefined; cacheControl: string | undefined }> {
  const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: await out.Body!.transformToString(), contentType: out.ContentType, cacheControl: out.CacheControl };
}

beforeAll(async () => {
  // Prepare: a built copy of the service and an empty bucket in an s3rver on a free port.
  service = await prepareServiceCopy('feedpress-invoke-');
  if (service.buildOutput.code !== 0) {
    throw new Error(`build failed:\n${service.buildOutput.stdout}\n${service.buildOutput.stderr}`);
  }
  s3Dir = mkdtempSync(join(tmpdir(), 'feedpress-invoke-s3-'));
  s3 = await startEmbeddedS3({ directory: s3Dir, port: 0, host: '127.0.0.1', bucket: BUCKET, silent: true });
  client = new S3Client({
    endpoint: s3.endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: localS3Credentials,
  });

  // Act: the same invocation as `npm run republish:local`, with the s3rver's address.
  invocation = await serverless(service.dir, ['invoke', 'local', '--stage', 'local', '-f', 'publish', '--data', '{"force":true}'], {
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: localS3Credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localS3Credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    FEED_BUCKET: BUCKET,
    SITE_URL,
  });
}, TIMEOUT);

afterAll(async () => {
  client?.destroy();
  await s3?.close();
  if (s3Dir) rmSync(s3Dir, { recursive: true, force: true });
  service?.remove();
});

describe('serverless invoke local against s3rver', () => {
  it('succeeds and prints the run summary, which shows the forced run', () => {
    // Assess
    expect(invocation.code, `${invocation.stdout}\n${invocation.stderr}`).toBe(0);
    // The handler's own one-line JSON log comes first; invoke local prints the returned value
    // last, indented, starting on a line of its own.
    const printed = /(?:^|\n)(\{\n[\s\S]*)$/.exec(invocation.stdout);
    expect(printed, invocation.stdout).not.toBeNull();
    const summary = JSON.parse(printed![1]!) as Record<string, unknown>;
    expect(summary).not.toHaveProperty('errorMessage');
    expect(summary).toMatchObject({ force: true, dryRun: false });
  });

  it('writes the three feeds, their stylesheet, the home page and the manifest into the bucket', async () => {
    // Act
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    // Assess
    expect(keys).toEqual(expect.arrayContaining(['rss.xml', 'atom.xml', 'feed.json', 'index.html', 'feed.css', '_publish/manifest.json']));
    expect(keys.some((k) => k?.startsWith('articles/') && k.endsWith('.html'))).toBe(true);
  });

  it('writes HTML pages that need nothing the CSP of infra/cdn.yml blocks: no script, image, frame, form or stylesheet', async () => {
    // Act
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const pages = (listed.Contents ?? []).map((o) => o.Key!).filter((key) => key.endsWith('.html'));
    // Assess
    expect(pages.length).toBeGreaterThan(1);
    for (const key of pages) {
      const { body } = await read(key);
      // default-src 'none': nothing is fetched but the page itself.
      expect(body, key).not.toMatch(/<(script|img|picture|video|audio|source|iframe|frame|object|embed|form|base)\b/i);
      expect(body, key).not.toMatch(/<link\b[^>]*\brel=["']?(stylesheet|icon|preload|modulepreload|manifest)\b/i);
      expect(body, key).not.toMatch(/<[^>]+\son[a-z]+\s*=/i);
      expect(body, key).not.toMatch(/javascript:|@import|url\(/i);
      // style-src 'unsafe-inline': the one <style> element is what styles the page.
      expect(body, key).toMatch(/<style>[^<]+<\/style>/);
    }
  });

  it('writes feeds that need only what the CSP of infra/cdn.yml allows: one stylesheet of the site’s own, no script', async () => {
    // Act
    const feeds = [await read('rss.xml'), await read('atom.xml')];
    const css = await read('feed.css');

    // Assess
    for (const feed of feeds) {
      // Served as XML, so a browser renders it with its stylesheet rather than as text.
      expect(feed.contentType).toBe('application/xml; charset=utf-8');
      const instructions = [...feed.body.matchAll(/<\?xml-stylesheet ([^?]*)\?>/g)].map((match) => match[1]);
      // style-src 'self': the one stylesheet is the site's own, and CSS, not XSLT.
      expect(instructions).toEqual([`type="text/css" href="${SITE_URL}feed.css"`]);
      // default-src 'none': outside the article text (CDATA, never markup to a browser), no element fetches or runs anything.
      const markup = feed.body.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, '');
      expect(markup).not.toMatch(
        /<(\w+:)?(script|img|picture|video|audio|source|iframe|frame|object|embed|form|base|link rel="stylesheet")\b/i,
      );
      expect(markup).not.toMatch(/\sstyle=|\son[a-z]+\s*=|javascript:/i);
    }
    expect(css.contentType).toBe('text/css; charset=utf-8');
    // Nothing more to fetch: no font, image or import (the only url() names the XHTML namespace).
    expect(css.body).not.toMatch(/@import|url\((?!http:\/\/www\.w3\.org\/1999\/xhtml\))/);
  });

  it('writes an RSS 2.0 document that parses, with links under SITE_URL', async () => {
    // Act
    const rss = await read('rss.xml');
    // Assess
    expect(XMLValidator.validate(rss.body)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(rss.body);
    expect(doc.rss['@_version']).toBe('2.0');
    const items = [doc.rss.channel.item].flat();
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(String(item.link)).toMatch(/^https:\/\/feeds\.test\.example\//);
    expect(String(doc.rss.channel.ttl)).toBe('60');
    expect(rss.cacheControl).toBe('max-age=300');
  });

  it('writes an Atom 1.0 document that parses', async () => {
    // Act
    const atom = await read('atom.xml');
    // Assess
    expect(XMLValidator.validate(atom.body)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(atom.body);
    expect(doc.feed['@_xmlns']).toBe('http://www.w3.org/2005/Atom');
    expect([doc.feed.entry].flat().length).toBeGreaterThan(0);
  });

  it('writes a JSON Feed 1.1 document that parses', async () => {
    // Act
    const json = await read('feed.json');
    // Assess
    const feed = JSON.parse(json.body) as { version: string; items: { url?: string }[] };
    expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
    expect(feed.items.length).toBeGreaterThan(0);
    for (const item of feed.items) expect(item.url).toMatch(/^https:\/\/feeds\.test\.example\//);
  });
});
