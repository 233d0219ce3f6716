/**
 * The one publish path, with seeds that are awkward on purpose: `npm start` (in-process,
 * its embedded s3rver served over HTTP), `cli build` into a folder and the Lambda handler into a
 * bucket of the same s3rver, given the same seeds and settings. What the three write is compared
 * key by key, byte by byte and header by header, and every link the index, the pages and the
 * feeds hold is followed on the server `npm start` runs and looked up in the CLI's folder.
 * Further tests take the same promises to places tests/publish/one-path.integration.test.ts does
 * not go: a seeds folder's own name, the bucket's root URL, direction marks before a photo
 * credit, and the deployment package made from a seeds folder.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { startLocal, type Started } from '../../src/local/start.js';
import { CONTENT_TYPES, DEFAULT_CACHE_CONTROL } from '../../src/site-files.js';
import { serverless } from '../deploy/support.js';
import { bodies, filesUnder, objectsIn, runHandler } from './one-path-support.js';
import { tempDir, type TempDir, writeSeeds } from './support.js';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const quiet = { stdout: () => {}, stderr: () => {} };

/** A seed file: the header line, then blank-line separated paragraphs, LF line ends. */
const seed = (date: string, title: string, ...paragraphs: string[]) => `${[`date ${date} ${title}`, ...paragraphs].join('\n\n')}\n`;

/**
 * Seeds as people save them: a Windows editor's BOM and CRLF with typographic quotes and dashes,
 * markup and CDATA ends, Arabic with direction marks, Chinese with corner brackets, decomposed
 * letters, emoji, titles whose slugs collide, names that differ only in case or Unicode form, a
 * name of 255 bytes, a name with a space, `+` and `%`, and UTF-16.
 */
const AWKWARD: Readonly<Record<string, string | Uint8Array>> = {
  'windows.txt':
    '\uFEFFdate 2026-01-05 “Smart” Quotes — and ‘Dashes’ – Here\r\n\r\n“A quotation that opens the article,” she said.\r\n\r\n' +
    'The lede’s first line\r\nwraps onto a second one.\r\n\r\n' +
    'Photo: Wikimedia Commons by Jane “JD” Doe, https://creativecommons.org/licenses/by-sa/4.0/ Kyiv, Ukraine\r\n\r\n' +
    'A Heading — With a Dash\r\n\r\nThe last paragraph.\r\n',
  'markup.txt': seed(
    '2026-01-06',
    'Use <b> & ]]> for AT&T’s &amp; <i>tags</i>',
    '<script>alert("x")</script> & &lt; ]]]]> all stay text.',
    'https://example.org/a?b=1&c="2"',
  ),
  'arabic.txt': 'date 2026-01-07 \u200Fمرحبا بالعالم؟\u200F\nlang ar\n\n\u200Fنص عربي مع علامة اتجاه.\n',
  'chinese.txt': 'date 2026-01-08 中文标题「引号」\nlang zh\n\n正文第一段。\n\n「这是引用。」\n',
  'combining.txt': seed('2026-01-09', 'Cafe\u0301 in Zu\u0308rich and Ёлка', 'Decomposed text: cafe\u0301 and Zu\u0308rich.'),
  'emoji.txt': seed('2026-01-10', 'Emoji 🚋🇺🇦 and 👩‍👩‍👧 Families', 'A tram 🚋 and a flag 🇺🇦.'),
  'same-a.txt': seed('2026-01-11', 'Same Title', 'The first of three.'),
  'same-b.txt': seed('2026-01-11', 'Same Title', 'The second of three.'),
  'same-c.txt': seed('2026-01-11', 'Same Title 2', 'The third, whose own slug the second took.'),
  'Case.txt': seed('2026-01-12', 'Upper-Case Name', 'Named with a capital.'),
  'case.txt': seed('2026-01-12', 'Lower-Case Name', 'Named in lower case.'),
  'dup.TXT': seed('2026-01-13', 'Upper-Case Extension', 'Keeps the id.'),
  'dup.txt': seed('2026-01-13', 'Lower-Case Extension', 'Refused: the same id.'),
  'cafe\u0301-menu.txt': seed('2026-01-14', 'Menu Saved on a Mac', 'The name in NFD.'),
  'caf\u00E9-menu.txt': seed('2026-01-14', 'Menu Saved on Linux', 'The name in NFC: the same id.'),
  [`${'я'.repeat(125)}a.txt`]: seed('2026-01-15', 'A Name of 255 Bytes', 'The longest name a file system allows.'),
  'thai-1.txt': seed('2026-01-16', 'ก'.repeat(100), 'A slug cut at 200 bytes.'),
  'thai-2.txt': seed('2026-01-16', 'ก'.repeat(100), 'The same cut slug, then -2.'),
  'a b+c%20d.txt': seed('2026-01-17', 'Space, Plus and Percent', 'In the file name only.'),
  'utf16.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('date 2026-01-18 Saved as UTF-16\r\n\r\nWith CRLF.\r\n', 'utf16le')]),
};

/** What the awkward seeds publish: every file but the two refused for taking another's id. */
const AWKWARD_PUBLISHED = Object.keys(AWKWARD).length - 2;

/** `cli build` as `npm run cli` runs it, with its exit code and what it printed. */
async function cliBuild(args: readonly string[], options: { cwd: string; env?: Record<string, string> }) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['build', ...args], {
    stdout: (line) => out.push(line),
    stderr: (line) => err.push(line),
    env: options.env ?? {},
    cwd: options.cwd,
    now: () => new Date(),
  });
  return { code, out, err };
}

/** Every address of the site that a reader follows: links of the index and the pages, item links of the three feeds. */
function siteLinks(objects: Record<string, string>, siteUrl: string): string[] {
  const links = new Set<string>();
  const documentUrl = (key: string) => siteUrl + key.split('/').map(encodeURIComponent).join('/');
  for (const [key, body] of Object.entries(objects)) {
    const found: string[] = [];
    // The pages' links, and those of the feeds' browser view and <link href> (Atom).
    for (const [, href] of body.matchAll(/href="([^"]*)"/g)) found.push(href!.replaceAll('&amp;', '&'));
    if (key === 'rss.xml') for (const [, link] of body.matchAll(/<link>([^<]*)<\/link>/g)) found.push(link!);
    if (key === 'feed.json') for (const item of (JSON.parse(body) as { items: { url: string }[] }).items) found.push(item.url);
    for (const link of found) {
      const url = new URL(link, documentUrl(key)).href;
      if (url.startsWith(siteUrl)) links.add(url);
    }
  }
  return [...links].sort();
}

/** The seeds' entries in a zip's central directory with their Unix mode (a regular file is 0o100000). */
function zipSeedModes(path: string, folder: string): Map<string, number> {
  const zip = readFileSync(path);
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const modes = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(offset + 28);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    const mode = zip.readUInt32LE(offset + 38) >>> 16;
    if (name.startsWith(folder) && name.length > folder.length) modes.set(name.slice(folder.length), mode);
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return modes;
}

describe('npm start, the CLI and the handler, given awkward seeds', () => {
  let dir: TempDir;
  let started: Started;
  let siteUrl: string;

  beforeAll(async () => {
    // Prepare (shared): a checkout with the awkward seeds, published once by npm start.
    dir = await tempDir('one-path-edges-');
    await writeSeeds(join(dir.path, 'seeds'), AWKWARD);
    await cp(join(repoRoot, 'feed.config.json'), join(dir.path, 'feed.config.json'));
    const local = await startLocal(['--port', '0'], { cwd: dir.path, env: {}, ...quiet });
    if (local.code !== 0 || !local.started) throw new Error('npm start did not publish the awkward seeds');
    started = local.started;
    siteUrl = started.siteUrl;
  });

  afterAll(async () => {
    await started?.server.close();
    await dir?.remove();
  });

  it('write the same keys, bytes and headers, and every link they hold resolves on each', async () => {
    // Prepare: the CLI and the handler get npm start's site URL.
    const env = { SITE_URL: siteUrl, FEED_HOME_URL: `${siteUrl}index.html` };

    // Act
    const cli = await cliBuild(['--seeds', 'seeds', '--out', 'cli-out'], { cwd: dir.path, env });
    await runHandler(env, started.server.endpoint, 'handler-site', join(dir.path, 'seeds'));
    const fromStart = await objectsIn(started.server.endpoint, 'feeds');
    const fromHandler = await objectsIn(started.server.endpoint, 'handler-site');
    const fromCli = await filesUnder(join(dir.path, 'cli-out'));

    // Assess: the same objects (the two id collisions refused alike), headers by kind of object.
    expect(cli.code, cli.err.join('\n')).toBe(0);
    expect(started.summary.rejected.map((bad) => bad.file).sort()).toEqual(['caf\u00E9-menu.txt', 'dup.txt']);
    expect(Object.keys(fromStart).filter((key) => key.startsWith('articles/'))).toHaveLength(AWKWARD_PUBLISHED);
    expect(Object.keys(fromCli).sort()).toEqual(Object.keys(fromStart).sort());
    expect(fromHandler).toEqual(fromStart);
    expect(fromCli).toEqual(bodies(fromStart));
    const typeOf = (key: string) =>
      key.endsWith('.html')
        ? CONTENT_TYPES.html
        : key.endsWith('.css')
          ? CONTENT_TYPES.css
          : key.endsWith('.json')
            ? CONTENT_TYPES.json
            : CONTENT_TYPES.rss;
    for (const [key, object] of Object.entries(fromStart)) {
      expect({ key, type: object.contentType, cache: object.cacheControl }).toEqual({
        key,
        type: typeOf(key),
        cache: DEFAULT_CACHE_CONTROL,
      });
    }
    // Every link resolves over npm start's HTTP, and names a file in the CLI's folder.
    const links = siteLinks(bodies(fromStart), siteUrl);
    expect(links.length).toBeGreaterThan(AWKWARD_PUBLISHED);
    const broken: string[] = [];
    for (const link of links) {
      const response = await fetch(link);
      await response.arrayBuffer();
      if (response.status !== 200) broken.push(`${response.status} ${link}`);
      if (!existsSync(join(dir.path, 'cli-out', decodeURIComponent(link.slice(siteUrl.length))))) broken.push(`not in the folder: ${link}`);
    }
    expect(broken).toEqual([]);
  });

  it('serves the bucket root without a trailing slash so that the index links to the articles', async () => {
    // Prepare: the site URL as a reader may type it, without the final slash.
    const bare = siteUrl.slice(0, -1);

    // Act
    const index = await fetch(bare);
    const html = await index.text();
    const href = /<h2><a href="([^"]+)">/.exec(html)?.[1];
    const article = await fetch(new URL(href ?? '', index.url));
    await article.arrayBuffer();

    // Assess
    expect(index.status).toBe(200);
    expect(href).toBeDefined();
    expect({ status: article.status, url: article.url }).toEqual({ status: 200, url: new URL(href ?? '', siteUrl).href });
    expect(article.headers.get('content-type')).toBe(CONTENT_TYPES.html);
  });
});

describe('the same seeds, one path at a time', () => {
  let dir: TempDir;

  beforeAll(async () => {
    dir = await tempDir('one-path-edges-each-');
    await cp(join(repoRoot, 'feed.config.json'), join(dir.path, 'feed.config.json'));
  });

  afterAll(async () => {
    await dir?.remove();
  });

  it('npm start publishes a seeds folder whose name ends in a space, as cli build does', async () => {
    // Prepare: a folder named as Finder or a file manager lets one name it, with a trailing space.
    const folder = 'Articles ';
    await writeSeeds(join(dir.path, folder), { 'harbour.txt': seed('2026-01-20', 'Harbour Ferry Returns', 'The ferry runs again.') });

    // Act
    const cli = await cliBuild(['--seeds', folder, '--out', 'trailing-space-out'], { cwd: dir.path });
    const errors: string[] = [];
    const local = await startLocal(['--port', '0', '--once', '--seeds', folder, '--data', 'trailing-space-s3'], {
      cwd: dir.path,
      env: {},
      stdout: () => {},
      stderr: (line) => errors.push(line),
    });
    await local.started?.server.close();

    // Assess
    expect(cli.code, cli.err.join('\n')).toBe(0);
    expect(await readFile(join(dir.path, 'trailing-space-out', 'rss.xml'), 'utf8')).toContain('Harbour Ferry Returns');
    expect({ code: local.code, errors }).toEqual({ code: 0, errors: [] });
    expect(local.started?.summary.articles.published).toBe(1);
  });

  it('reads a photo credit and a bare URL led by a left-to-right mark, as right-to-left articles write them', async () => {
    // Prepare: a Hebrew article whose Latin lines start with U+200E, which keeps them left to right.
    const seeds = join(dir.path, 'hebrew');
    await writeSeeds(seeds, {
      'hebrew.txt':
        'date 2026-01-21 כותרת בעברית\nlang he\n\nפסקה ראשונה של הכתבה.\n\n' +
        '\u200EPhoto: commons.wikimedia.org by Jane Doe, https://creativecommons.org/licenses/by/4.0/ Tel Aviv\n\n' +
        '\u200Ehttps://example.org/source-document\n',
    });

    // Act
    const cli = await cliBuild(['--seeds', seeds, '--out', 'hebrew-out'], { cwd: dir.path });
    const pages = await readdir(join(dir.path, 'hebrew-out', 'articles'));
    const page = await readFile(join(dir.path, 'hebrew-out', 'articles', pages[0]!), 'utf8');

    // Assess: a credit with its licence linked, a link, and no heading made of a URL.
    expect(cli.code, cli.err.join('\n')).toBe(0);
    expect(page).toContain('<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>');
    expect(page).toContain('<a href="https://commons.wikimedia.org/">commons.wikimedia.org</a>');
    expect(page).toMatch(/<p><a href="\u200E?https:\/\/example\.org\/source-document">/);
    expect(page).not.toMatch(/<h2>\u200E?https:/);
  });

  it('deploys the seeds cli build reads: a symbolic link among them is not packaged as an article', async () => {
    // Prepare: a checkout whose seeds folder holds an article and a link to a draft kept elsewhere.
    const checkout = join(dir.path, 'checkout');
    for (const entry of ['handlers', 'src', 'scripts', 'infra', 'serverless.yml', 'feed.config.json', 'package.json', 'tsconfig.json']) {
      await cp(join(repoRoot, entry), join(checkout, entry), { recursive: true });
    }
    await symlink(join(repoRoot, 'node_modules'), join(checkout, 'node_modules'), 'junction');
    await mkdir(join(dir.path, 'drafts'));
    await writeFile(join(dir.path, 'drafts', 'draft.txt'), seed('2026-01-30', 'Unfinished Draft', 'Not for readers yet.'));
    await writeSeeds(join(checkout, 'seeds'), { 'harbour.txt': seed('2026-01-20', 'Harbour Ferry Returns', 'The ferry runs again.') });
    await symlink(join(dir.path, 'drafts', 'draft.txt'), join(checkout, 'seeds', 'linked.txt'));
    const cli = await cliBuild(['--seeds', 'seeds', '--out', join(dir.path, 'checkout-out')], { cwd: checkout });

    // Act: the build and the package of `npm run package`.
    await execFileAsync(process.execPath, [join(checkout, 'scripts', 'build.mjs'), '--quiet', 'publish'], { cwd: checkout });
    const packaged = await serverless(checkout, ['package', '--package', join(checkout, 'pkg')]);
    const zip = (await readdir(join(checkout, 'pkg'))).find((name) => name.endsWith('.zip'));
    const modes = zip === undefined ? new Map<string, number>() : zipSeedModes(join(checkout, 'pkg', zip), 'dist/publish/seeds/');

    // Assess: the CLI skips the link; the package holds as files exactly the seeds the CLI read.
    expect(cli.code, cli.err.join('\n')).toBe(0);
    expect(cli.err).toContain('linked.txt: skipped: a symbolic link, not a file');
    expect(packaged.code, packaged.stderr).toBe(0);
    const packagedFiles = [...modes].filter(([, mode]) => (mode & 0o170000) === 0o100000).map(([name]) => name);
    expect(packagedFiles.sort()).toEqual(['harbour.txt']);
  }, 300_000);
});
