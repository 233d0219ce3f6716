/**
 * `npm start` as a newcomer, a browser and a feed reader meet it, beyond what
 * start.integration, start-edges.integration and reader.integration already check: the real
 * bundle (built into a temp folder, as those files do) run as a child process in a throw-away
 * checkout, spoken to over HTTP the way readers and browsers speak.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/local/data-lock.js';
import { seed, type TempDir } from '../publish/support.js';
import {
  buildStartBundle,
  checkout,
  counts,
  exitWithin,
  freePort,
  type Launched,
  launchProcess,
  printedUrls,
  rawRequest,
  serving,
  type StartBundle,
} from './support.js';

let bundle: StartBundle;
let startScript: string;

beforeAll(async () => {
  // Prepare (shared): the `npm start` bundle in a folder of its own.
  bundle = await buildStartBundle('npm-start-readers-build-');
  startScript = bundle.script;
});

afterAll(async () => {
  await bundle?.remove();
});

const children: Launched[] = [];
const folders: TempDir[] = [];

afterEach(async () => {
  // Whatever a test left running is stopped here, by its own pid; then its folders go.
  for (const child of children.splice(0)) {
    if (child.exit === undefined) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
  }
  for (const folder of folders.splice(0)) await folder.remove();
});

/** `node dist/start/index.mjs ARGS` (what `npm start -- ARGS` execs) in `cwd`. */
/** `shared`: a block's own server, stopped by its afterAll rather than after each test. */
function launch(cwd: string, args: readonly string[], env: Record<string, string> = {}, shared = false): Launched {
  const launched = launchProcess(process.execPath, ['--enable-source-maps', startScript, ...args], { cwd, env });
  if (!shared) children.push(launched);
  return launched;
}

/** `npm start -- --port 0 ARGS` in `cwd`, serving. */
async function serve(cwd: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<Launched> {
  const child = launch(cwd, ['--port', '0', ...args], env);
  await serving(child);
  return child;
}

/** `npm start -- ARGS` to its end. */
async function run(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<Launched> {
  const child = launch(cwd, args, env);
  await exitWithin(child, 60_000);
  return child;
}

describe('what a feed reader and a browser get from a running npm start', () => {
  let dir: TempDir;
  let server: Launched;
  let urls: ReturnType<typeof printedUrls>;
  let origin: string;

  beforeAll(async () => {
    // Prepare (shared): the repository's seeds, served for the whole block.
    dir = await checkout('npm-start-readers-http-');
    server = launch(dir.path, ['--port', '0'], {}, true);
    await serving(server);
    urls = printedUrls(server.stdout);
    origin = new URL(urls.rss).origin;
  });

  afterAll(async () => {
    if (server && server.exit === undefined) {
      server.proc.kill('SIGKILL');
      await server.exited;
    }
    await dir?.remove();
  });

  it('serves a feed unchanged whatever query string a reader appends, percent-encoding, or dot segments in its path', async () => {
    // Prepare
    const feed = await rawRequest(origin, '/feeds/rss.xml');
    const article = (JSON.parse((await rawRequest(origin, '/feeds/feed.json')).body.toString('utf8')) as { items: { url: string }[] })
      .items;
    const cyrillic = article.map((item) => new URL(item.url).pathname).find((path) => path.includes('%D0'));
    expect(cyrillic, 'the sample seeds include a Cyrillic slug').toBeDefined();
    const page = await rawRequest(origin, cyrillic!);

    // Act
    const variants = await Promise.all(
      [
        '/feeds/rss.xml?utm_source=feedly&utm_medium=rss',
        '/feeds/rss.xml?_=1700000000',
        '/feeds/%72ss.xml',
        '/feeds/articles/../rss.xml',
      ].map((target) => rawRequest(origin, target)),
    );
    const lowerCaseEscapes = await rawRequest(
      origin,
      cyrillic!.replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()),
    );

    // Assess
    expect(feed.status).toBe(200);
    for (const variant of variants) {
      expect(variant.status).toBe(200);
      expect(variant.headers['content-type']).toBe('application/xml; charset=utf-8');
      expect(variant.body.equals(feed.body)).toBe(true);
    }
    expect(page.status).toBe(200);
    expect(lowerCaseEscapes.status).toBe(200);
    expect(lowerCaseEscapes.body.equals(page.body)).toBe(true);
  });

  it('answers If-None-Match with 304 when the current ETag is one of a list, or given in its weak form', async () => {
    // Prepare
    const full = await rawRequest(origin, '/feeds/rss.xml');
    const etag = full.headers.etag!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);

    // Act
    const listed = await rawRequest(origin, '/feeds/rss.xml', 'GET', { 'If-None-Match': `"00000000000000000000000000000000", ${etag}` });
    const weak = await rawRequest(origin, '/feeds/rss.xml', 'GET', { 'If-None-Match': `W/${etag}` });

    // Assess
    expect({ listed: listed.status, weak: weak.status }).toEqual({ listed: 304, weak: 304 });
  });

  it('answers a stale ETag with the whole feed even when If-Modified-Since equals Last-Modified', async () => {
    // Prepare
    const full = await rawRequest(origin, '/feeds/rss.xml');
    const lastModified = full.headers['last-modified']!;

    // Act
    const polled = await rawRequest(origin, '/feeds/rss.xml', 'GET', {
      'If-None-Match': '"00000000000000000000000000000000"',
      'If-Modified-Since': lastModified,
    });

    // Assess
    expect(polled.status).toBe(200);
    expect(polled.body.equals(full.body)).toBe(true);
  });

  it("index.html's canonical link leads to the index page itself", async () => {
    // Prepare
    const index = await fetch(urls.site);
    const html = await index.text();
    const canonical = /<link rel="canonical" href="([^"]+)">/.exec(html)?.[1];
    expect(canonical).toBeDefined();

    // Act
    const followed = await fetch(canonical!);
    const body = await followed.text();

    // Assess
    expect(followed.status).toBe(200);
    expect(followed.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(body).toBe(html);
  });

  it('answers a missing page with a long name with 404, not 500', async () => {
    // Prepare
    const target = `/feeds/articles/2026-01-01-${'a'.repeat(300)}.html`;

    // Act
    const get = await rawRequest(origin, target);

    // Assess
    expect(get.status).toBe(404);
  });
});

describe('requests that would change what npm start serves', () => {
  let dir: TempDir;
  let server: Launched;
  let origin: string;

  beforeAll(async () => {
    // Prepare (shared): its own server, since the requests below may alter what it serves.
    dir = await checkout('npm-start-readers-write-');
    server = launch(dir.path, ['--port', '0'], {}, true);
    await serving(server);
    origin = new URL(printedUrls(server.stdout).rss).origin;
  });

  afterAll(async () => {
    if (server && server.exit === undefined) {
      server.proc.kill('SIGKILL');
      await server.exited;
    }
    await dir?.remove();
  });

  it('refuses unsigned writes: a cross-site form upload over index.html and a DELETE of rss.xml', async () => {
    // Prepare
    const indexBefore = await rawRequest(origin, '/feeds/index.html');
    const boundary = 'FormBoundary7MA4YWxk';
    const form = [
      `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nindex.html\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="Content-Type"\r\n\r\ntext/html\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.html"\r\nContent-Type: text/html\r\n\r\n<script>alert(document.domain)</script>\r\n`,
      `--${boundary}--\r\n`,
    ].join('');

    // Act
    const upload = await rawRequest(
      origin,
      '/feeds/',
      'POST',
      { Origin: 'https://attacker.example', 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      form,
    );
    const removal = await rawRequest(origin, '/feeds/rss.xml', 'DELETE');
    const indexAfter = await rawRequest(origin, '/feeds/index.html');
    const rssAfter = await rawRequest(origin, '/feeds/rss.xml');

    // Assess
    expect({ upload: upload.status, removal: removal.status }).toEqual({ upload: 403, removal: 403 });
    expect(indexAfter.body.toString('utf8')).toBe(indexBefore.body.toString('utf8'));
    expect(rssAfter.status).toBe(200);
  });

  it('writes nothing outside the data folder for a key with ../ in it', async () => {
    // Prepare
    const before = await readdir(dir.path);

    // Act
    const put = await rawRequest(origin, '/feeds/..%2F..%2Fescaped.txt', 'PUT', { 'Content-Type': 'text/plain' }, 'escaped');
    const after = await readdir(dir.path);

    // Assess
    expect(after.filter((name) => !before.includes(name))).toEqual([]);
    expect(put.status).toBeGreaterThanOrEqual(400);
  });
});

describe('seeds under npm start', () => {
  it('publishes an article with a long Thai title and serves its page', async () => {
    // Prepare
    const dir = await checkout('npm-start-readers-thai-');
    folders.push(dir);
    const title = 'กรุงเทพฯ เปิดรถไฟฟ้าสายใหม่เชื่อมสนามบินสุวรรณภูมิกับใจกลางเมืองภายในปีหน้า';
    await writeFile(join(dir.path, 'seeds', 'zz-bangkok-rail.txt'), seed('2026-01-05', title, 'lang th', 'ข่าวสั้นเกี่ยวกับรถไฟฟ้าสายใหม่.'));

    // Act
    const child = launch(dir.path, ['--port', '0']);
    let started = true;
    try {
      await serving(child);
    } catch {
      started = false;
    }

    // Assess
    expect(started, `${child.stdout}\n${child.stderr}`).toBe(true);
    const feed = (await (await fetch(printedUrls(child.stdout).json)).json()) as { items: { title: string; url: string }[] };
    const item = feed.items.find((entry) => entry.title === title);
    expect(item).toBeDefined();
    expect((await fetch(item!.url)).status).toBe(200);
  });

  it('publishes a renamed seed as a new article at a new page and takes the old page down, on the next start', async () => {
    // Prepare
    const dir = await checkout('npm-start-readers-rename-');
    folders.push(dir);
    await writeFile(join(dir.path, 'seeds', 'zz-rename-me.txt'), seed('2025-12-01', 'Rename Me Please', 'A lede.'));
    const first = await serve(dir.path);
    const port = new URL(printedUrls(first.stdout).rss).port;
    const before = (await (await fetch(printedUrls(first.stdout).json)).json()) as { items: { id: string; url: string; title: string }[] };
    const old = before.items.find((item) => item.title === 'Rename Me Please')!;
    first.proc.kill('SIGINT');
    await exitWithin(first, 5_000);
    await rename(join(dir.path, 'seeds', 'zz-rename-me.txt'), join(dir.path, 'seeds', 'zz-renamed.txt'));

    // Act
    const second = await serve(dir.path, ['--port', port]);
    const after = (await (await fetch(printedUrls(second.stdout).json)).json()) as { items: { id: string; url: string; title: string }[] };

    // Assess
    const renamed = after.items.filter((item) => item.title === 'Rename Me Please');
    expect(renamed).toHaveLength(1);
    expect(renamed[0]!.id).not.toBe(old.id);
    expect(renamed[0]!.id.endsWith('articles/zz-renamed')).toBe(true);
    expect(counts(second.stdout).deleted).toBeGreaterThanOrEqual(1);
    expect((await fetch(old.url)).status).toBe(404);
    expect((await fetch(renamed[0]!.url)).status).toBe(200);
  });

  it('names the npm start option that lets the unpublish guard through', async () => {
    // Prepare
    const dir = await checkout('npm-start-readers-guard-');
    folders.push(dir);
    const first = await run(dir.path, ['--once', '--port', '0']);
    expect(first.exit, first.stderr).toEqual({ code: 0, signal: null });
    const seeds = (await readdir(join(dir.path, 'seeds'))).filter((name) => name.endsWith('.txt'));
    for (const name of seeds.slice(0, 3)) await unlink(join(dir.path, 'seeds', name));

    // Act
    const guarded = await run(dir.path, ['--once', '--port', '0']);

    // Assess
    expect(guarded.exit).toEqual({ code: 1, signal: null });
    expect(guarded.stderr).toContain('UNPUBLISH_MAX_SHARE');
    expect(guarded.stderr).toContain('--force');
  });
});

describe('stopping and starting again', () => {
  it('after Ctrl-C while serving: no lock, nothing but the bucket in the data folder, and a restart on the same port that writes nothing and serves within seconds', async () => {
    // Prepare
    const dir = await checkout('npm-start-readers-restart-');
    folders.push(dir);
    const first = await serve(dir.path);
    const urls = printedUrls(first.stdout);
    const rssBefore = await (await fetch(urls.rss)).text();
    const port = new URL(urls.rss).port;

    // Act
    first.proc.kill('SIGINT');
    const stopped = await exitWithin(first, 5_000);
    const dataAfterStop = await readdir(join(dir.path, '.local-s3'));
    const startedAt = Date.now();
    const second = await serve(dir.path, ['--port', port]);
    const restartMs = Date.now() - startedAt;

    // Assess
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(dataAfterStop).toEqual(['feeds']);
    expect(counts(second.stdout).written).toBe(0);
    expect(restartMs).toBeLessThan(10_000);
    expect(await (await fetch(urls.rss)).text()).toBe(rssBefore);
  });

  it('Ctrl-C during the first publish exits promptly and leaves no lock file', async () => {
    // Prepare
    const dir = await checkout('npm-start-readers-interrupt-');
    folders.push(dir);
    const many = join(dir.path, 'many');
    await mkdir(many);
    for (let i = 0; i < 1200; i += 1) {
      await writeFile(join(many, `a${String(i).padStart(4, '0')}.txt`), seed('2025-06-01', `Article number ${i}`, `Lede ${i}.`, 'More.'));
    }
    const child = launch(dir.path, ['--port', '0', '--seeds', 'many']);
    const articles = join(dir.path, '.local-s3', 'feeds', 'articles');
    const deadline = Date.now() + 20_000;
    while (!(existsSync(articles) && (await readdir(articles)).length > 30) && Date.now() < deadline && child.exit === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(child.stdout, 'still publishing when interrupted').not.toContain('Serving until Ctrl-C.');
    expect(child.exit).toBeUndefined();

    // Act
    child.proc.kill('SIGINT');
    const stopped = await exitWithin(child, 5_000);

    // Assess
    expect(stopped).toBeDefined();
    expect(existsSync(join(dir.path, '.local-s3', LOCK_FILE))).toBe(false);
  });

  it('takes over a lock whose process id now belongs to a process that is not an npm start', async () => {
    // Prepare
    const dir = await checkout('npm-start-readers-stale-lock-');
    folders.push(dir);
    await mkdir(join(dir.path, '.local-s3'));
    // The lock of an npm start gone with a restart: its pid now this test runner's, alive, and its port silent.
    await writeFile(join(dir.path, '.local-s3', LOCK_FILE), `${process.pid} ${await freePort()}\n`);

    // Act
    const result = await run(dir.path, ['--once', '--port', '0']);

    // Assess
    expect(result.exit, result.stderr).toEqual({ code: 0, signal: null });
    expect(printedUrls(result.stdout).rss).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/feeds\/rss\.xml$/);
  });
});
