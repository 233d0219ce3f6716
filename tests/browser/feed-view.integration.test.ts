/**
 * rss.xml and atom.xml in a real browser. Headless Chromium loads them from the local server as
 * `npm start` starts it (startLocal in-process, on a free port, in a throw-away copy of seeds/ and
 * feed.config.json); the DOM it builds must hold the explanation of what a feed is and a link to
 * every item's article page, and a screenshot of each (kept in test-results/browser/) must show
 * the site's background colour, which only feed.css gives the document. Then the same site, built
 * by the CLI, is served with the Content-Security-Policy of infra/cdn.yml, as CloudFront adds it:
 * the feeds must still be styled. Last, `npm run screenshots` runs as a whole, so the README's
 * pictures can always be made again.
 *
 * Chromium is installed through apt-get when missing (scripts/ensure-tools.sh). When that is not
 * possible the tests are skipped with the reason printed; under CI=true they fail with it instead,
 * so a CI run never passes without having looked at the feeds in a browser.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { dumpDom, ensureTools, screenshot } from '../../scripts/chromium.mjs';
import { runCli } from '../../src/cli.js';
import { startLocal, type Started } from '../../src/local/start.js';
import { CONTENT_TYPES } from '../../src/site-files.js';
import { tempDir, type TempDir } from '../publish/support.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = join(repoRoot, 'test-results', 'browser');
const IN_CI = /^(true|1)$/i.test(process.env.CI ?? '');
const BROWSER_MS = 120_000;
/** --bg of the site's light colour scheme (src/site/layout.ts): headless Chromium prefers light. */
const SITE_BACKGROUND = [0xff, 0xfe, 0xfa];

interface JsonFeed {
  readonly items: readonly { readonly url: string; readonly title: string }[];
}

let unavailable: string | undefined;
let dir: TempDir | undefined;
let started: Started | undefined;
let feed: JsonFeed;

beforeAll(async () => {
  unavailable = await ensureTools('chromium');
  if (unavailable) {
    if (IN_CI) throw new Error(`CI=true and Chromium cannot be had: ${unavailable}`);
    // The default reporter does not print skip notes, so say once why the tests are skipped.
    console.warn(`Browser tests skipped: ${unavailable}`);
    return;
  }
  // Prepare (shared): a folder that looks like a checkout, published and served as `npm start` does.
  dir = await tempDir('feed-view-');
  await cp(join(repoRoot, 'seeds'), join(dir.path, 'seeds'), { recursive: true });
  await cp(join(repoRoot, 'feed.config.json'), join(dir.path, 'feed.config.json'));
  const err: string[] = [];
  const result = await startLocal(['--port', '0'], { cwd: dir.path, env: {}, stdout: () => {}, stderr: (line) => err.push(line) });
  if (!result.started) throw new Error(`npm start failed (${result.code}): ${err.join('\n')}`);
  started = result.started;
  feed = (await (await fetch(`${started.siteUrl}feed.json`)).json()) as JsonFeed;
  await mkdir(SHOTS, { recursive: true });
}, 20 * 60_000);

afterAll(async () => {
  await started?.server.close();
  await dir?.remove();
});

function requireBrowser(ctx: TestContext): Started {
  if (unavailable || !started) ctx.skip(`no Chromium: ${unavailable ?? 'not set up'}`);
  return started!;
}

/** Every `<a href>` of a serialized DOM, with its text (the three entities a serializer writes undone). */
function anchors(dom: string): { href: string; text: string }[] {
  const decode = (value: string) =>
    value.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');
  return [...dom.matchAll(/<a href="([^"]*)">([^<]*)<\/a>/g)].map(([, href, text]) => ({ href: decode(href!), text: decode(text!) }));
}

/** The top-left pixel of a PNG, as RGB: whatever a row's filter, the first pixel of the first row is stored as is. */
function firstPixel(png: Buffer): number[] {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  const idat: Buffer[] = [];
  let colourType = -1;
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') colourType = data[9]!;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  expect([2, 6], 'an 8-bit RGB or RGBA PNG').toContain(colourType);
  const rows = inflateSync(Buffer.concat(idat));
  return [...rows.subarray(1, 4)];
}

describe('the feeds in headless Chromium, served as npm start serves them', () => {
  it('are served as application/xml, with feed.css as text/css', async (ctx) => {
    // Prepare
    const site = requireBrowser(ctx);

    // Act
    const types = await Promise.all(
      ['rss.xml', 'atom.xml', 'feed.css'].map(async (key) => (await fetch(`${site.siteUrl}${key}`)).headers.get('content-type')),
    );

    // Assess
    expect(types).toEqual(['application/xml; charset=utf-8', 'application/xml; charset=utf-8', 'text/css; charset=utf-8']);
  });

  it.for(['rss', 'atom'] as const)(
    'render %s.xml as a page: what a feed is, its address, and a link to every item’s article page',
    { timeout: BROWSER_MS },
    async (format, ctx) => {
      // Prepare
      const site = requireBrowser(ctx);
      const url = `${site.siteUrl}${format}.xml`;

      // Act
      const dom = await dumpDom(url);

      // Assess
      // As a document of elements, not as text in a <pre> (what application/rss+xml gets).
      expect(dom.trimStart().startsWith(format === 'rss' ? '<rss ' : '<feed ')).toBe(true);
      expect(dom).not.toContain('&lt;item&gt;');
      expect(dom).toContain('<div xmlns="http://www.w3.org/1999/xhtml" class="wrap feed-view"');
      expect(dom).toContain('<strong>This is a web feed</strong>');
      expect(dom).toContain(`<code>${url}</code>`);
      const links = anchors(dom);
      expect(feed.items.length).toBeGreaterThan(1);
      for (const item of feed.items) expect(links, item.url).toContainEqual({ href: item.url, text: item.title });
    },
  );

  it.for(['rss', 'atom'] as const)(
    'style %s.xml with feed.css: the screenshot has the site’s background',
    { timeout: BROWSER_MS },
    async (format, ctx) => {
      // Prepare
      const site = requireBrowser(ctx);
      const file = join(SHOTS, `feed-${format}.png`);

      // Act
      await screenshot(`${site.siteUrl}${format}.xml`, file, { width: 1000, height: 1400 });

      // Assess
      // Unstyled, the document would be white (#ffffff).
      expect(firstPixel(await readFile(file))).toEqual(SITE_BACKGROUND);
    },
  );
});

/** The Content-Security-Policy CloudFront adds to every response (infra/cdn.yml). */
async function deployedCsp(): Promise<string> {
  const template = await readFile(join(repoRoot, 'infra', 'cdn.yml'), 'utf8');
  const csp = /^\s*ContentSecurityPolicy: "([^"]+)"$/m.exec(template)?.[1];
  if (!csp) throw new Error('no ContentSecurityPolicy in infra/cdn.yml');
  return csp;
}

/**
 * A folder served as CloudFront serves the bucket: each object with the content type the
 * publisher writes it with, `nosniff`, and the CSP given (the one under test, or a variant).
 */
function cdnLike(folder: string, csp: () => string): Server {
  const types: Record<string, string> = {
    '.xml': CONTENT_TYPES.rss,
    '.css': CONTENT_TYPES.css,
    '.json': CONTENT_TYPES.json,
    '.html': CONTENT_TYPES.html,
  };
  return createServer((request, response) => {
    const key = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname).replace(/^\/+/, '');
    readFile(join(folder, key)).then(
      (body) => {
        response.writeHead(200, {
          'content-type': types[extname(key)] ?? 'application/octet-stream',
          'content-security-policy': csp(),
          'x-content-type-options': 'nosniff',
        });
        response.end(body);
      },
      () => {
        response.writeHead(404).end();
      },
    );
  });
}

describe('the feeds in headless Chromium, under the CSP of infra/cdn.yml', () => {
  let server: Server | undefined;
  let siteUrl: string;
  let csp: string;
  let served: string;

  beforeAll(async () => {
    if (unavailable) return;
    // Prepare (shared): the site built by the CLI for the address the test server listens on.
    csp = await deployedCsp();
    served = csp;
    const folder = join(dir!.path, 'cdn-site');
    server = cdnLike(folder, () => served);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const err: string[] = [];
    const io = {
      stdout: () => {},
      stderr: (line: string) => err.push(line),
      env: { SITE_URL: siteUrl },
      cwd: dir!.path,
      now: () => new Date(),
    };
    const code = await runCli(
      ['build', '--seeds', join(dir!.path, 'seeds'), '--out', folder, '--config', join(dir!.path, 'feed.config.json')],
      io,
    );
    if (code !== 0) throw new Error(`cli build failed (${code}): ${err.join('\n')}`);
  });

  afterAll(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  });

  it(
    "styles rss.xml with feed.css, which the CSP allows as a same-origin stylesheet, and would not without style-src 'self'",
    async (ctx) => {
      // Prepare
      requireBrowser(ctx);
      const styled = join(SHOTS, 'feed-rss-csp.png');
      const unstyled = join(SHOTS, 'feed-rss-csp-without-self.png');

      // Act
      served = csp;
      await screenshot(`${siteUrl}rss.xml`, styled, { width: 1000, height: 1400 });
      served = csp.replace(/style-src 'self' /, 'style-src ');
      await screenshot(`${siteUrl}rss.xml`, unstyled, { width: 1000, height: 1400 });

      // Assess
      expect(csp).toMatch(/style-src 'self' /);
      expect(firstPixel(await readFile(styled))).toEqual(SITE_BACKGROUND);
      expect(firstPixel(await readFile(unstyled))).toEqual([0xff, 0xff, 0xff]);
    },
    BROWSER_MS,
  );
});

describe('npm run screenshots', () => {
  it(
    'writes the feed, an article page and newsboat reading the feed as PNGs',
    async (ctx) => {
      // Prepare
      requireBrowser(ctx);
      const tools = await ensureTools('tmux', 'newsboat');
      if (tools && IN_CI) throw new Error(`CI=true and tmux or newsboat cannot be had: ${tools}`);
      if (tools) ctx.skip(tools);
      const out = join(dir!.path, 'screenshots');

      // Act
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(repoRoot, 'scripts', 'screenshots.mjs'), '--out', out, '--port', '0'],
        {
          cwd: repoRoot,
          timeout: BROWSER_MS,
        },
      );

      // Assess
      const names = ['feed-rss.png', 'article.png', 'newsboat.png'];
      expect(stdout.trim().split('\n')).toEqual(names.map((name) => `wrote ${join(out, name)}`));
      for (const name of names) expect((await readFile(join(out, name))).subarray(1, 4).toString('latin1'), name).toBe('PNG');
      expect(firstPixel(await readFile(join(out, 'feed-rss.png')))).toEqual(SITE_BACKGROUND);
    },
    BROWSER_MS,
  );
});
