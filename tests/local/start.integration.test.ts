/**
 * `npm start`: the real script, as `npm start` runs it (the esbuild bundle, built here into a
 * temp folder), as a child process in a throw-away folder (it resolves feed.config.json, seeds/
 * and .local-s3/ against its working directory), and `startLocal` in-process for the serving mode.
 */
import { execFile } from 'node:child_process';
import { cp, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { localS3Credentials, localS3Region, startEmbeddedS3 } from '../../src/local/embedded-s3.js';
import { LOCAL_BUCKET, startLocal, type Started } from '../../src/local/start.js';
import { createS3Client, S3Storage } from '../../src/storage/s3.js';
import { tempDir, type TempDir } from '../publish/support.js';
import { buildStartBundle, counts, freePort, repoRoot, type StartBundle } from './support.js';

const execFileAsync = promisify(execFile);

let bundle: StartBundle;
let startScript: string;

beforeAll(async () => {
  // Prepare (shared): the `npm start` bundle in a folder of its own.
  bundle = await buildStartBundle('npm-start-build-');
  startScript = bundle.script;
});

afterAll(async () => {
  await bundle?.remove();
});

let dir: TempDir;

beforeEach(async () => {
  // Prepare (shared): a folder that looks like a checkout, with its own seeds and config.
  dir = await tempDir('npm-start-');
  await cp(join(repoRoot, 'seeds'), join(dir.path, 'seeds'), { recursive: true });
  await cp(join(repoRoot, 'feed.config.json'), join(dir.path, 'feed.config.json'));
});

afterEach(async () => {
  await dir.remove();
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm start -- --once --port N`, without npm (the same node command), in the temp folder; never throws on a non-zero exit. */
async function startOnce(port = 0): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PORT;
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      ['--enable-source-maps', startScript, '--once', '--port', String(port)],
      { cwd: dir.path, env, timeout: 90_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: `${e.stderr ?? ''}\n${e.message}` };
  }
}

describe('npm start -- --once (child process)', () => {
  it('publishes the seeds into .local-s3, prints the feed URLs with the real port, and exits 0', async () => {
    // Act
    const run = await startOnce();

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const urls = /RSS 2\.0\s+(http:\/\/127\.0\.0\.1:(\d+)\/feeds\/rss\.xml)/.exec(run.stdout);
    expect(urls, run.stdout).not.toBeNull();
    const port = Number(urls![2]);
    expect(port).toBeGreaterThan(0);
    expect(run.stdout).toContain(`Atom 1.0   http://127.0.0.1:${port}/feeds/atom.xml`);
    expect(run.stdout).toContain(`JSON Feed  http://127.0.0.1:${port}/feeds/feed.json`);
    expect(run.stdout).toContain(`Site       http://127.0.0.1:${port}/feeds/index.html`);
    const { published, written, unchanged } = counts(run.stdout);
    expect(published).toBeGreaterThan(0);
    // A page per article, the index, three feeds, the 404 page and feed.css.
    expect({ written, unchanged }).toEqual({ written: published + 6, unchanged: 0 });

    // The objects outlive the process: a new server on the same folder has them all.
    expect(await readdir(join(dir.path, '.local-s3'))).toContain(LOCAL_BUCKET);
    const server = await startEmbeddedS3({ directory: join(dir.path, '.local-s3'), port: 0, bucket: LOCAL_BUCKET });
    try {
      const client = createS3Client({
        region: localS3Region,
        endpoint: server.endpoint,
        forcePathStyle: true,
        credentials: localS3Credentials,
      });
      const keys = (await new S3Storage({ client, bucket: LOCAL_BUCKET }).list('')).map((object) => object.key);
      expect(keys.filter((key) => !key.startsWith('articles/'))).toEqual([
        '404.html',
        '_publish/manifest.json',
        'atom.xml',
        'feed.css',
        'feed.json',
        'index.html',
        'rss.xml',
      ]);
      expect(keys.filter((key) => key.startsWith('articles/') && key.endsWith('.html'))).toHaveLength(published);
    } finally {
      await server.close();
    }
  });

  it('republishes nothing on a second run in the same folder', async () => {
    // Prepare
    // The port is part of every link, so both runs must serve on the same one.
    const port = await freePort();
    const first = await startOnce(port);
    expect(first.code, first.stderr).toBe(0);

    // Act
    const second = await startOnce(port);

    // Assess
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(' 0 objects written');
    expect(counts(second.stdout)).toEqual({
      published: counts(first.stdout).published,
      rejected: 0,
      written: 0,
      unchanged: counts(first.stdout).written,
      deleted: 0,
    });
  });
});

describe('startLocal (in process, serving)', () => {
  let started: Started | undefined;

  afterEach(async () => {
    await started?.server.close();
    started = undefined;
  });

  it('keeps serving after publishing: the RSS feed and the pages it links to load over HTTP', async () => {
    // Prepare
    const out: string[] = [];
    const err: string[] = [];
    const io = { cwd: dir.path, env: {}, stdout: (line: string) => out.push(line), stderr: (line: string) => err.push(line) };

    // Act
    const result = await startLocal(['--port', '0'], io);
    started = result.started;

    // Assess
    expect(result.code, err.join('\n')).toBe(0);
    expect(result.once).toBe(false);
    expect(started).toBeDefined();
    expect(started!.siteUrl).toBe(`http://127.0.0.1:${started!.server.port}/${LOCAL_BUCKET}/`);
    expect(out.join('\n')).toContain(`RSS 2.0    ${started!.siteUrl}rss.xml`);

    const rss = await fetch(`${started!.siteUrl}rss.xml`);
    expect(rss.status).toBe(200);
    // application/xml, so that a browser renders it (tests/browser).
    expect(rss.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const parsed = new XMLParser().parse(await rss.text()) as { rss: { channel: { link: string; item: { link: string }[] } } };
    expect(parsed.rss.channel.link).toBe(`${started!.siteUrl}index.html`);
    const items = parsed.rss.channel.item;
    expect(items.length).toBe(started!.summary.feedItems);

    const json = (await (await fetch(`${started!.siteUrl}feed.json`)).json()) as { items: { url: string; title: string }[] };
    const first = json.items[0]!;
    expect(items[0]!.link).toBe(first.url);
    const page = await fetch(first.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    // The heading's text, with the three entities a page uses undone here rather than by the code under test.
    const heading = /<h1>([^<]*)<\/h1>/.exec(html)?.[1]?.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
    expect(heading).toBe(first.title);

    const home = await fetch(parsed.rss.channel.link);
    expect(home.status).toBe(200);
  });

  it('refuses a second server on the same data folder, naming the process that holds it, and starts again once it stops', async () => {
    // Prepare
    const io = { cwd: dir.path, env: {}, stdout: () => {}, stderr: () => {} };
    const first = await startLocal(['--port', '0'], io);
    started = first.started;
    const err: string[] = [];

    // Act
    const second = await startLocal(['--port', '0'], { ...io, stderr: (line: string) => err.push(line) });
    await started!.server.close();
    const third = await startLocal(['--port', '0'], io);
    started = third.started;

    // Assess
    expect(first.code).toBe(0);
    expect(second).toMatchObject({ code: 1, once: true });
    expect(second.started).toBeUndefined();
    expect(err.join('\n')).toContain(`another npm start (process ${process.pid}) is serving ${join(dir.path, '.local-s3')}`);
    expect(third.code).toBe(0);
  });

  it('answers a reader polling with If-None-Match with 304 Not Modified, also after an unchanged republish', async () => {
    // Prepare
    const io = { cwd: dir.path, env: {}, stdout: () => {}, stderr: () => {} };
    const result = await startLocal(['--port', '0'], io);
    started = result.started;
    const url = `${started!.siteUrl}rss.xml`;
    const first = await fetch(url);
    const etag = first.headers.get('etag');
    const lastModified = first.headers.get('last-modified');
    await first.arrayBuffer();
    await started!.server.close();
    const again = await startLocal(['--port', String(started!.server.port)], io);
    started = again.started;

    // Act
    const conditional = await fetch(url, { headers: { 'If-None-Match': etag! } });
    const byDate = await fetch(url, { headers: { 'If-Modified-Since': lastModified! } });

    // Assess
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(again.started!.summary.objects.written).toBe(0);
    expect(conditional.status).toBe(304);
    expect(byDate.status).toBe(304);
  });
});
