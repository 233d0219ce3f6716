/**
 * README.md as a newcomer and a demanding user read it: the examples it shows (a seed,
 * config values, event payloads, command lines), the rules it lists (headings, quotations, `lang`,
 * `--now`, loopback URLs), the shipped seeds it describes, WebSub through `npm run cli -- build`,
 * and what `npm start` prints while it serves. Checked in-process against the real code, beside
 * what tests/readme.test.ts and tests/readme-promises.test.ts already check.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePublishEvent } from '../handlers/event.js';
import { articleBodyHtml } from '../src/article/html.js';
import { decodeSeed, parseArticle } from '../src/article/parse.js';
import { runCli } from '../src/cli.js';
import { ConfigError, configWarnings, loadFeedConfig, loadPublishSettings } from '../src/config.js';
import { loadLimits } from '../src/config/limits.js';
import { LOCK_FILE } from '../src/local/data-lock.js';
import { DEFAULT_PORT, LOCAL_BUCKET, republishOnChange, type Started, startLocal } from '../src/local/start.js';
import type { ChangeWatcher } from '../src/local/watch.js';
import { SITE_FILES } from '../src/site-files.js';
import { fakeIo, lines } from './helpers/cli-io.js';
import { checkout, eventually } from './local/support.js';
import type { TempDir } from './publish/support.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** The README's text under a heading, up to the next heading of the same or a higher level. */
function section(title: string): string {
  const headings = [...README.matchAll(/^(#{2,4}) (.+)$/gm)];
  const start = headings.findIndex((heading) => heading[2] === title);
  if (start < 0) throw new Error(`README has no heading "${title}"`);
  const level = headings[start]![1]!.length;
  const end = headings.slice(start + 1).find((heading) => heading[1]!.length <= level);
  return README.slice(headings[start]!.index, end?.index ?? README.length);
}

/** The bullet of `text` (a line starting with "- ", and its continuation lines) that contains `words`. */
function bullet(text: string, words: string): string {
  const found = text.split(/\n(?=- )/).find((item) => item.includes(words));
  if (!found) throw new Error(`README has no bullet with "${words}"`);
  return found;
}

/** Every `code span` in `text`, without its backticks. */
const codeSpans = (text: string) => [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);

/** The smallest feed config the loader takes. */
const MINIMAL = {
  title: 'T',
  description: 'D',
  siteUrl: 'https://feeds.example.org/',
  language: 'en',
  author: { name: 'A' },
  idPrefix: 'tag:example.org,2026:',
};

/** The problems loadFeedConfig reports, or [] when it takes the config. */
function feedProblems(file: unknown, env: Record<string, string> = {}): readonly string[] {
  try {
    loadFeedConfig(file, env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

/** One block of a parsed one-paragraph-body seed. */
function kindOf(paragraph: string): string {
  const result = parseArticle('a.txt', `date 2026-02-02 Title\n\nThe lede.\n\n${paragraph}\n`);
  if (!result.ok) throw new Error(result.error.reason);
  return result.article.blocks[1]!.kind;
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'readme-examples-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('README, "Seed articles": the format as shown', () => {
  it('reads the example seed as the bullets describe it: lede, linked photo credit, heading, quotation, link', () => {
    // Prepare: the code block right after "The format:".
    const example = /The format:\s*```\n([\s\S]*?)```/.exec(section('Seed articles'))![1]!;

    // Act
    const result = parseArticle('example.txt', example);

    // Assess
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.article.title).toBe('Next Russia–Ukraine–US Negotiations Set for Early February');
    expect(result.article.lede).toBe('The lede: the first paragraph, which readers show as the summary.');
    expect(result.article.blocks.map((block) => block.kind)).toEqual(['paragraph', 'photo-credit', 'heading', 'quotation', 'link']);
    const html = articleBodyHtml(result.article);
    // "the licence is linked … a host name is linked"
    expect(html).toContain('<a href="https://commons.wikimedia.org/">commons.wikimedia.org</a>');
    expect(html).toContain('<a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">');
    expect(html).toContain('<a href="https://example.org/a-bare-url-paragraph-becomes-a-link">');
  });

  it('takes a quotation for each opening mark the README lists, and refuses a heading for each final mark it lists', () => {
    // Prepare: the marks as the two bullets list them.
    const text = section('Seed articles');
    const quotes = codeSpans(bullet(text, 'is\n  a quotation'));
    const finals = codeSpans(bullet(text, 'is a section heading'))
      .flatMap((span) => span.split(' '))
      .filter((mark) => mark.length === 1);

    // Act
    const quoteKinds = quotes.map((mark) => [mark, kindOf(`${mark}A quoted line`)]);
    const finalKinds = finals.map((mark) => [mark, kindOf(`A short line${mark}`)]);

    // Assess: 13 openers; . , : ; ! ? … 。 ？ ؟ ।
    expect(quotes).toHaveLength(13);
    expect(finals.length).toBeGreaterThanOrEqual(11);
    expect(quoteKinds).toEqual(quotes.map((mark) => [mark, 'quotation']));
    expect(finalKinds).toEqual(finals.map((mark) => [mark, 'paragraph']));
    expect([kindOf('A short line (with a bracket)'), kindOf('A short line’')]).toEqual(['paragraph', 'paragraph']);
    expect([kindOf('a'.repeat(80)), kindOf('a'.repeat(81))]).toEqual(['heading', 'paragraph']);
  });

  it('reads the header and `lang` lines as described: spaces, tabs and no-break spaces; blank lines before `lang`; `lang pt_BR` refused at its line', () => {
    // Act
    const spaced = parseArticle('a.txt', ' date\t2026-02-02\u00a0\u00a0 Spaced   Title\n\nText.\n');
    const afterBlank = parseArticle('b.txt', 'date 2026-02-02 Title\n\n\nlang pt-BR\n\nThe lede.\n');
    const badTag = parseArticle('c.txt', 'date 2026-02-02 Title\n\n\nlang pt_BR\n\nThe lede.\n');
    const badDay = parseArticle('d.txt', 'date 2026-02-30 Title\n\nText.\n');
    const invisible = parseArticle('e.txt', 'date 2026-02-02 \u200b\u200e\n\nText.\n');

    // Assess
    expect(spaced.ok && { title: spaced.article.title, day: spaced.article.date.iso }).toEqual({
      title: 'Spaced Title',
      day: '2026-02-02',
    });
    expect(afterBlank.ok && { language: afterBlank.article.language, lede: afterBlank.article.lede }).toEqual({
      language: 'pt-BR',
      lede: 'The lede.',
    });
    expect(!badTag.ok && badTag.error.line).toBe(4);
    expect(!badDay.ok && badDay.error.line).toBe(1);
    expect(!invisible.ok && invisible.error.reason).toMatch(/title/);
  });

  it('reads UTF-16 with a BOM, in either byte order, and drops the characters XML cannot carry', () => {
    // Prepare
    const text = '\ufeffdate 2026-02-02 Title\r\n\r\nText\u0000 with\u000b controls.\r\n';
    const le = new Uint8Array(Buffer.from(text, 'utf16le'));
    const be = new Uint8Array(Buffer.from(text, 'utf16le').swap16());

    // Act
    const decoded = [le, be].map((bytes) => decodeSeed('a.txt', bytes));
    const parsed = decoded.map((result) => (result.ok ? parseArticle('a.txt', result.text) : undefined));

    // Assess
    for (const result of parsed) expect(result?.ok && result.article.lede).toBe('Text with controls.');
  });

  it('ships one real article and six samples marked in title and first paragraph, with every feature the README names', async () => {
    // Prepare
    const names = (await readdir(join(ROOT, 'seeds'))).filter((name) => name.endsWith('.txt'));
    const bytes = await Promise.all(names.map((name) => readFile(join(ROOT, 'seeds', name))));

    // Act
    const articles = names.map((name, i) => {
      const decoded = decodeSeed(name, new Uint8Array(bytes[i]!));
      if (!decoded.ok) throw new Error(decoded.error.reason);
      const parsed = parseArticle(name, decoded.text);
      if (!parsed.ok) throw new Error(parsed.error.reason);
      return { article: parsed.article, raw: bytes[i]! };
    });
    const isSample = (text: string) => /\b(sample)\b|зразок/i.test(text);
    const samples = articles.filter(({ article }) => isSample(article.title) && isSample(article.lede));
    const kinds = new Set(articles.flatMap(({ article }) => article.blocks.map((block) => block.kind)));

    // Assess: "(a heading, quotations, a photo credit, a BOM with CRLF, Cyrillic with its own `lang uk`, markup in a title)"
    expect(articles).toHaveLength(7);
    expect(samples).toHaveLength(6);
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['heading', 'photo-credit', 'quotation']));
    expect(articles.some(({ raw }) => raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf && raw.includes('\r\n'))).toBe(true);
    expect(articles.some(({ article }) => article.language === 'uk' && /\p{Script=Cyrillic}/u.test(article.title))).toBe(true);
    expect(articles.some(({ article }) => /[<&]/.test(article.title))).toBe(true);
    // "`feed.config.json` says so too"
    expect(isSample(JSON.parse(readFileSync(join(ROOT, 'feed.config.json'), 'utf8')).description)).toBe(true);
  });
});

describe('README, "Configuration": its examples and rules', () => {
  it('accepts every example value the README gives for a setting', () => {
    // Prepare: values quoted in the Configuration section and under "Before the first deploy".
    const files = [
      { ...MINIMAL, websubHub: 'https://pubsubhubbub.appspot.com/' },
      { ...MINIMAL, idPrefix: 'tag:news.example.com,2026:' },
      { ...MINIMAL, idPrefix: 'tag:desk@example.org,2026-02:feeds/' },
      { ...MINIMAL, idPrefix: 'tag:example.org,2024-02-29:' },
      { ...MINIMAL, language: 'uk-UA', timeZone: 'Europe/Kyiv', publishTime: '06:30' },
      { ...MINIMAL, timeZone: 'UTC', ttlMinutes: 10_080, itemLimit: 1 },
    ];

    // Act
    const problems = files.map((file) => feedProblems(file));
    const limits = ['512KiB', '2MiB', '1MiB'].map((value) => {
      const found: string[] = [];
      return { value, bytes: loadLimits({ MAX_SEED_BYTES: value, MAX_FEED_BYTES: value }, found).seedBytes, found };
    });
    const shares = ['0.5', '50%'].map(
      (value) => loadPublishSettings({ FEED_BUCKET: 'feeds', UNPUBLISH_MAX_SHARE: value }).maxUnpublishShare,
    );

    // Assess
    expect(problems).toEqual(files.map(() => []));
    expect(limits).toEqual([
      { value: '512KiB', bytes: 512 * 1024, found: [] },
      { value: '2MiB', bytes: 2 * 1024 * 1024, found: [] },
      { value: '1MiB', bytes: 1024 * 1024, found: [] },
    ]);
    expect(shares).toEqual([0.5, 0.5]);
  });

  it('refuses the idPrefix forms the README rules out, naming the field', () => {
    // Act: no dot in the domain, a date not on the calendar, an inner hyphen at a label's end, no date.
    const refused = ['tag:localhost,2026:', 'tag:example.org,2026-02-29:', 'tag:example-.org,2026:', 'tag:example.org:'].map((idPrefix) =>
      feedProblems({ ...MINIMAL, idPrefix }),
    );

    // Assess
    for (const problems of refused) expect(problems).toEqual([expect.stringMatching(/idPrefix/)]);
  });

  it('warns about plain http:// except on this machine (127.0.0.0/8, ::1, localhost), and refuses an http hub elsewhere', () => {
    // Prepare
    const warnings = (siteUrl: string) => configWarnings(loadFeedConfig({ ...MINIMAL, siteUrl }, {}));

    // Act
    const loopback = ['http://127.0.0.1:4568/feeds/', 'http://127.200.3.4/', 'http://[::1]:8080/', 'http://localhost/'].map(warnings);
    const remote = warnings('http://feeds.example.org/');
    const hubs = ['http://127.0.0.1:9/hub', 'http://hub.example.org/'].map((websubHub) => feedProblems({ ...MINIMAL, websubHub }));
    const secret = feedProblems({ ...MINIMAL, icon: 'https://user:secret@feeds.example.org/icon.png' });

    // Assess
    expect(loopback).toEqual([[], [], [], []]);
    expect(remote).toHaveLength(1);
    expect(hubs).toEqual([[], [expect.stringMatching(/websubHub: must be an https:\/\//)]]);
    expect(secret).toEqual([expect.stringMatching(/icon: must not contain a user name or password/)]);
    expect(secret.join('\n')).not.toContain('secret');
  });

  it('states in the README the smallest MAX_SEED_BYTES and MAX_FEED_BYTES the code accepts', () => {
    // Prepare: the smallest byte count each variable is accepted with.
    const smallest = (variable: string) => {
      let low = 1;
      let high = 1024 * 1024;
      while (low < high) {
        const mid = Math.floor((low + high) / 2);
        const problems: string[] = [];
        loadLimits({ [variable]: String(mid) }, problems);
        if (problems.length === 0) high = mid;
        else low = mid + 1;
      }
      return low;
    };
    const rows = README.split('\n').filter((line) => line.startsWith('|') && /`MAX_(SEED|FEED)_BYTES`/.test(line));

    // Act
    const minimums = { seed: smallest('MAX_SEED_BYTES'), feed: smallest('MAX_FEED_BYTES') };
    const spelt = (bytes: number) => [`${bytes}`, bytes.toLocaleString('en-US'), `${bytes / 1024} KiB`, `${bytes / 1024}KiB`];

    // Assess: the code has minimums, and some row of the README's tables names each.
    expect(minimums).toEqual({ seed: 1024, feed: 16 * 1024 });
    expect(rows.length).toBeGreaterThan(1);
    for (const bytes of Object.values(minimums)) expect(spelt(bytes).some((form) => rows.some((row) => row.includes(form)))).toBe(true);
  });

  it('reads the payloads the README and the npm scripts send to the function as the runs they name', () => {
    // Prepare: `--data '…'` of `npm run republish` and `republish:local`, and the README's dry run.
    const scripted = ['republish', 'republish:local'].map((name) => /--data '([^']+)'/.exec(PACKAGE.scripts[name] ?? '')?.[1]);
    const dryRun = /invoke -f publish --data '([^']+)'/.exec(section('Commands'))?.[1];

    // Act
    const parsed = [...scripted, dryRun].map((data) => parsePublishEvent(JSON.parse(data ?? 'false')));

    // Assess
    expect(parsed).toEqual([
      { trigger: 'manual', force: true, dryRun: false },
      { trigger: 'manual', force: true, dryRun: false },
      { trigger: 'manual', force: false, dryRun: true },
    ]);
  });
});

describe('README, "Command line"', () => {
  it('runs the four example command lines as shown, in a checkout', async () => {
    // Prepare: the repository's seeds and config, and a copy of the config as site.json.
    await writeFile(join(dir, 'feed.config.json'), readFileSync(join(ROOT, 'feed.config.json')));
    await writeFile(join(dir, 'site.json'), readFileSync(join(ROOT, 'feed.config.json')));
    await mkdir(join(dir, 'seeds'));
    for (const name of await readdir(join(ROOT, 'seeds')))
      await writeFile(join(dir, 'seeds', name), await readFile(join(ROOT, 'seeds', name)));
    const examples = [...section('Command line').matchAll(/^npm run cli -- (.+?)\s*(?:#.*)?$/gm)].map((match) => match[1]!.split(' '));
    const run = async (argv: string[]) => {
      const io = fakeIo(dir, { now: '2100-01-01T00:00:00Z' });
      return { argv: argv.join(' '), code: await runCli(argv, io), out: lines(io.out), err: lines(io.err) };
    };

    // Act
    const results = [];
    for (const argv of examples) results.push(await run(argv));

    // Assess
    expect(results.map(({ argv, code }) => ({ argv, code }))).toEqual([
      { argv: 'build --seeds seeds --out public', code: 0 },
      { argv: 'build --config site.json --out public', code: 0 },
      { argv: 'validate --seeds seeds', code: 0 },
      { argv: '--help', code: 0 },
    ]);
    // The second build of the same site writes nothing.
    expect(results[1]!.out.at(-1)).toMatch(/ 0 files written, 13 unchanged, 0 deleted$/);
  });

  it('takes --now as a day or a day and time with its zone, and refuses a zoneless time, a day not on the calendar and a year past 9999', async () => {
    // Prepare
    await writeFile(join(dir, 'feed.config.json'), JSON.stringify(MINIMAL));
    await mkdir(join(dir, 'seeds'));
    await writeFile(join(dir, 'seeds', 'a.txt'), 'date 2026-03-01 Title\n\nText.\n');
    const build = async (now: string) => {
      const io = fakeIo(dir);
      const code = await runCli(['build', '--out', 'out', '--dry-run', '--now', now], io);
      return { now, code, named: lines(io.err).some((line) => line.startsWith('--now:')) };
    };

    // Act
    const results = [];
    for (const now of ['2026-03-01', '2026-03-01T00:00:00Z', '2026-03-01T09:00+02:00', '2026-03-01T09:00:00', '2026-02-30', '10000-01-01'])
      results.push(await build(now));

    // Assess
    expect(results).toEqual([
      { now: '2026-03-01', code: 0, named: false },
      { now: '2026-03-01T00:00:00Z', code: 0, named: false },
      { now: '2026-03-01T09:00+02:00', code: 0, named: false },
      { now: '2026-03-01T09:00:00', code: 2, named: true },
      { now: '2026-02-30', code: 2, named: true },
      { now: '10000-01-01', code: 2, named: true },
    ]);
  });

  it('applies MAX_SEED_BYTES in validate as in build: a seed over it is a line of its own and exit 1', async () => {
    // Prepare
    await mkdir(join(dir, 'seeds'));
    await writeFile(join(dir, 'seeds', 'big.txt'), `date 2026-02-02 Big\n\n${'word '.repeat(400)}\n`);
    await writeFile(join(dir, 'seeds', 'small.txt'), 'date 2026-02-02 Small\n\nText.\n');
    const io = fakeIo(dir, { env: { MAX_SEED_BYTES: '1KiB' } });

    // Act
    const code = await runCli(['validate', '--seeds', 'seeds'], io);

    // Assess
    expect(code).toBe(1);
    expect(lines(io.out)).toEqual([expect.stringMatching(/^big\.txt:1: /)]);
  });

  it('notifies a WebSub hub through `cli build`: one form POST per feed written, a refusal a warning that the next run repeats, nothing when nothing changed or on a dry run', async () => {
    // Prepare: a hub on this machine (plain http is allowed there), refusing at first.
    const posts: { type: string | undefined; body: string }[] = [];
    let status = 503;
    const hub = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        posts.push({ type: request.headers['content-type'], body });
        response.statusCode = status;
        response.end();
      });
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const hubUrl = `http://127.0.0.1:${(hub.address() as AddressInfo).port}/`;
    await writeFile(join(dir, 'feed.config.json'), JSON.stringify({ ...MINIMAL, websubHub: hubUrl }));
    await mkdir(join(dir, 'seeds'));
    await writeFile(join(dir, 'seeds', 'a.txt'), 'date 2026-02-02 Title\n\nText.\n');
    const build = async (...extra: string[]) => {
      posts.length = 0;
      const io = fakeIo(dir);
      const code = await runCli(['build', '--out', 'out', ...extra], io);
      return { code, err: lines(io.err), posts: [...posts] };
    };
    const announced = (feed: string) => ({
      type: 'application/x-www-form-urlencoded',
      body: `hub.mode=publish&hub.url=${encodeURIComponent(`${MINIMAL.siteUrl}${feed}`)}`,
    });
    const all = [announced(SITE_FILES.rss), announced(SITE_FILES.atom), announced(SITE_FILES.json)];

    try {
      // Act
      const refused = await build();
      status = 204;
      const retried = await build();
      const unchanged = await build();
      const dry = await build('--dry-run', '--force');

      // Assess
      expect(refused.code).toBe(0);
      expect(refused.posts).toEqual(all);
      expect(refused.err).toHaveLength(3);
      expect(refused.err.every((line) => line.startsWith('WebSub:'))).toBe(true);
      expect({ code: retried.code, posts: retried.posts, err: retried.err }).toEqual({ code: 0, posts: all, err: [] });
      expect(unchanged.posts).toEqual([]);
      expect(dry.posts).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => hub.close(() => resolve()));
    }
  });
});

describe('README, "Two commands": npm start (in-process)', () => {
  let checkoutDir: TempDir;
  let started: Started | undefined;
  let watcher: ChangeWatcher | undefined;

  beforeEach(async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    checkoutDir = await checkout('readme-examples-');
  });

  afterEach(async () => {
    await watcher?.close();
    await started?.server.close();
    watcher = undefined;
    started = undefined;
    await checkoutDir.remove();
  });

  it('prints the four lines the README quotes, on the default port but for the port, and holds the lock file it names', async () => {
    // Prepare: the quoted block under "Two commands".
    const quoted = /```\n(\s+RSS 2\.0[\s\S]*?)```/.exec(section('Two commands'))![1]!.trimEnd();
    const out: string[] = [];
    const io = { cwd: checkoutDir.path, env: {}, stdout: (line: string) => out.push(line), stderr: () => {} };

    // Act
    const result = await startLocal(['--port', '0'], io);
    started = result.started;
    const lock = await readFile(join(checkoutDir.path, '.local-s3', LOCK_FILE), 'utf8');

    // Assess: the same lines with the port it got; the README's names the defaults.
    expect(result.code).toBe(0);
    const port = started!.server.port;
    expect(out.join('\n')).toContain(quoted.replaceAll(`:${DEFAULT_PORT}/`, `:${port}/`));
    expect(quoted).toContain(`http://127.0.0.1:${DEFAULT_PORT}/${LOCAL_BUCKET}/${SITE_FILES.rss}`);
    expect(README).toContain(`\`.local-s3/${LOCK_FILE}\``);
    expect(lock).toContain(String(process.pid));
    expect(lock).toContain(String(port));
  });

  it('prints nothing for a save that changes nothing, also when the config has a warning', async () => {
    // Prepare: a config with an http:// icon, which npm start warns about on stderr.
    const configFile = join(checkoutDir.path, 'feed.config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    await writeFile(configFile, JSON.stringify({ ...config, icon: 'http://images.example.org/icon.png' }, null, 2));
    const out: string[] = [];
    const err: string[] = [];
    const io = { cwd: checkoutDir.path, env: {}, stdout: (line: string) => out.push(line), stderr: (line: string) => err.push(line) };
    const result = await startLocal(['--port', '0'], io);
    expect(result.code).toBe(0);
    expect(err).toEqual([expect.stringMatching(/^icon: http:\/\/images\.example\.org is plain http:\/\//)]);
    let runs = 0;
    started = {
      ...result.started!,
      republish: async (request) => {
        try {
          return await result.started!.republish(request);
        } finally {
          runs++;
        }
      },
    };
    watcher = republishOnChange(started, io, { quietMs: 100 });
    // The first run, which takes what was saved during the first publish: nothing here.
    await eventually(
      async () => runs,
      (count) => count >= 1,
      'the first run',
    );
    out.length = 0;
    err.length = 0;

    // Act: an editor's swap file.
    await writeFile(join(checkoutDir.path, 'seeds', '.2026-01-20-short-notice.txt.swp'), 'swap');
    await eventually(
      async () => runs,
      (count) => count >= 2,
      'the run after the swap file',
    );

    // Assess
    expect({ out, err }).toEqual({ out: [], err: [] });
  });
});
