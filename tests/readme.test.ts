/**
 * README.md against the code: names, defaults, limits, options, paths and outputs that the README
 * states and the code decides. Each test reads the README and the code (or a real run) and fails
 * when they drift apart.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EVENT_LIMITS } from '../handlers/event.js';
import { BUILD_OPTIONS, runCli } from '../src/cli.js';
import { ConfigError, DEFAULT_UNPUBLISH_SHARE, loadFeedConfig, loadPublishSettings } from '../src/config.js';
import { startLocal } from '../src/local/start.js';
import { type PublishSummary, publish } from '../src/publish/publish.js';
import { DEFAULT_CACHE_CONTROL } from '../src/site-files.js';
import { folderPublishDependencies } from '../src/wiring.js';
import { fakeIo, lines } from './helpers/cli-io.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const CONFIG_FILE = JSON.parse(readFileSync(join(ROOT, 'feed.config.json'), 'utf8')) as unknown;
/** A clock past every shipped seed, so none is held. */
const LATER = new Date('2100-01-01T00:00:00Z');

/** The README's text under a heading (`## Name` or `### Name`), up to the next heading of the same or a higher level. */
function section(title: string): string {
  const headings = [...README.matchAll(/^(#{2,4}) (.+)$/gm)];
  const start = headings.findIndex((heading) => heading[2] === title);
  if (start < 0) throw new Error(`README has no heading "${title}"`);
  const level = headings[start]![1]!.length;
  const end = headings.slice(start + 1).find((heading) => heading[1]!.length <= level);
  return README.slice(headings[start]!.index, end?.index ?? README.length);
}

/** The cells of every table row in `text`, header row included, separator rows left out. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-+/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** Every `code span` in `text`, without its backticks. */
function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`\n]+)`/g)].map((match) => match[1]!);
}

/** An environment variable name as the README writes one: capitals and digits with at least one underscore. */
const VARIABLE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

/** Every variable a setting of src/config.ts or src/config/*.ts is declared with: `setting('NAME', …)`. */
function declaredVariables(): string[] {
  const files = [join(ROOT, 'src/config.ts'), ...readdirSync(join(ROOT, 'src/config')).map((name) => join(ROOT, 'src/config', name))];
  return files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bsetting\(\s*'([A-Z0-9_]+)'/g)].map((match) => match[1]!));
}

/** The config file's field paths, as FEED_SETTINGS in src/config.ts declares them (`title:`, `'author.name':`). */
function declaredFields(): string[] {
  const source = readFileSync(join(ROOT, 'src/config.ts'), 'utf8');
  const block = source.slice(source.indexOf('const FEED_SETTINGS = {'), source.indexOf('\n};', source.indexOf('const FEED_SETTINGS = {')));
  return [...block.matchAll(/^ {2}'?([A-Za-z.]+)'?: setting\(/gm)].map((match) => match[1]!);
}

/** The field paths of the first column of README's feed settings table; `.atom` continues `feedUrls.rss`. */
function documentedFields(): string[] {
  const rows = tableRows(section('Configuration')).filter((row) => row.length === 3 && row[0] !== 'field' && row[0]!.startsWith('`'));
  return rows.flatMap((row) => {
    let parent = '';
    return codeSpans(row[0]!).map((name) => {
      if (!name.startsWith('.')) {
        parent = name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '';
        return name;
      }
      return `${parent}${name}`;
    });
  });
}

/** The variables named in the first two columns of the Configuration section's tables. */
function documentedVariables(): string[] {
  return tableRows(section('Configuration')).flatMap((row) =>
    row
      .slice(0, 2)
      .flatMap(codeSpans)
      .filter((span) => VARIABLE.test(span)),
  );
}

/** The words around "default" in the Configuration row that names `variable`: "`bundle` (default: …" or "(default `max-age=300`)". */
function defaultOf(variable: string): string {
  const row = tableRows(section('Configuration')).find((cells) => cells.slice(0, 2).some((cell) => codeSpans(cell).includes(variable)));
  const text = row?.join(' | ') ?? '';
  const at = text.search(/\bdefault\b/);
  if (at < 0) throw new Error(`README's Configuration row of ${variable} names no default`);
  return text.slice(Math.max(0, at - 12), at + 40);
}

/** The row of the "Limits" table whose last column names `variable`. */
function limitRow(variable: string): string[] {
  const row = tableRows(section('Limits')).find((cells) => cells[2]?.includes(`\`${variable}\``));
  if (!row) throw new Error(`README's Limits table has no row set with ${variable}`);
  return row;
}

/** The whole numbers in a README cell: "1,000" is 1000. */
function numbersIn(text: string): number[] {
  return [...text.matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((match) => Number(match[0].replaceAll(',', '')));
}

/** A fresh folder per test. */
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feedpress-readme-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Publishes the shipped seeds with the shipped feed.config.json into `outDir`, as `npm run cli -- build` does. */
function publishSeeds(outDir: string, extra: Partial<Parameters<typeof publish>[0]> = {}, env: Record<string, string> = {}) {
  const feed = loadFeedConfig(CONFIG_FILE, env);
  const deps = folderPublishDependencies({
    outDir,
    seedsDir: join(ROOT, 'seeds'),
    feed,
    cacheControl: DEFAULT_CACHE_CONTROL,
    maxUnpublishShare: DEFAULT_UNPUBLISH_SHARE,
    now: () => LATER,
  });
  return publish({ ...deps, ...extra });
}

describe('README: npm scripts', () => {
  it('names only scripts that package.json has', () => {
    // Prepare: every `npm run NAME`, `npm start` and `npm test` in the README.
    const named = new Set([...README.matchAll(/\bnpm run ([a-z][\w:-]*)/g)].map((match) => match[1]!));
    for (const shortcut of ['start', 'test']) if (new RegExp(`\\bnpm ${shortcut}\\b`).test(README)) named.add(shortcut);

    // Act: those package.json does not define.
    const missing = [...named].filter((name) => !(name in PACKAGE.scripts));

    // Assess
    expect(named.size).toBeGreaterThan(5);
    expect(missing).toEqual([]);
  });

  it('runs the bundles the README says `npm run cli` and `npm start` run', () => {
    // Prepare: "npm run cli and npm start first rebuild their esbuild bundle (dist/cli/index.mjs, dist/start/index.mjs)".
    const bundles = { cli: 'dist/cli/index.mjs', start: 'dist/start/index.mjs' } as const;

    // Act
    const scripts = Object.entries(bundles).map(([name, bundle]) => ({ name, bundle, script: PACKAGE.scripts[name] ?? '' }));

    // Assess: each script builds its target and runs that bundle with plain node.
    for (const { name, bundle, script } of scripts) {
      expect(README).toContain(`\`${bundle}\``);
      expect(script).toMatch(new RegExp(`scripts/build\\.mjs .*\\b${name}\\b`));
      expect(script).toMatch(new RegExp(`\\bnode [^&]*${bundle.replaceAll('.', '\\.')}`));
    }
  });
});

describe('README: Configuration', () => {
  it('documents exactly the variables the config loaders declare', () => {
    // Prepare
    const documented = documentedVariables();

    // Act
    const declared = declaredVariables();

    // Assess: the same names both ways, each once.
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual([...declared].sort());
  });

  it('documents exactly the fields of feed.config.json that the loader reads', () => {
    // Prepare
    const documented = documentedFields();

    // Act
    const declared = declaredFields();

    // Assess
    expect(declared.length).toBeGreaterThan(10);
    expect([...documented].sort()).toEqual([...declared].sort());
  });

  it('accepts every documented field in feed.config.json', () => {
    // Prepare: the shipped config with each documented field that it lacks set to a valid value.
    const values: Record<string, unknown> = {
      homeUrl: 'https://feeds.example.org/',
      'feedUrls.rss': 'https://feeds.example.org/rss.xml',
      'feedUrls.atom': 'https://feeds.example.org/atom.xml',
      'feedUrls.json': 'https://feeds.example.org/feed.json',
      icon: 'https://feeds.example.org/icon.png',
      websubHub: 'https://hub.example.org/',
    };
    const file = structuredClone(CONFIG_FILE) as Record<string, Record<string, unknown>>;
    for (const [path, value] of Object.entries(values)) {
      const [field, inner] = path.split('.') as [string, string | undefined];
      if (inner === undefined) (file as Record<string, unknown>)[field] = value;
      else file[field] = { ...file[field], [inner]: value };
    }

    // Act
    const problems = (() => {
      try {
        loadFeedConfig(file, {});
        return [];
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        return error.problems;
      }
    })();

    // Assess: every documented field was in play, and none was refused.
    expect(documentedFields().filter((path) => !(path in values) && !existsInFile(CONFIG_FILE, path))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('gives the defaults the README documents', () => {
    // Prepare: a config file with only the required fields, and only the required variable.
    const minimal = {
      title: 'T',
      description: 'D',
      siteUrl: 'https://feeds.example.org/',
      language: 'en',
      author: { name: 'A' },
      idPrefix: 'tag:example.org,2026:',
    };

    // Act
    const feed = loadFeedConfig(minimal, {});
    const publishing = loadPublishSettings({ FEED_BUCKET: 'feeds' });
    const bucketSeeds = loadPublishSettings({ FEED_BUCKET: 'feeds', SEEDS_SOURCE: 'bucket' }).seeds;
    const time = `${String(feed.publishTime.hour).padStart(2, '0')}:${String(feed.publishTime.minute).padStart(2, '0')}`;

    // Assess: each variable's row names the loader's default next to the word "default".
    expect(defaultOf('CACHE_CONTROL')).toContain(publishing.cacheControl);
    expect(defaultOf('SEEDS_SOURCE')).toContain(publishing.seeds.from);
    expect(defaultOf('SEEDS_PREFIX')).toContain('prefix' in bucketSeeds ? bucketSeeds.prefix : '?');
    expect(defaultOf('UNPUBLISH_MAX_SHARE')).toContain(String(publishing.maxUnpublishShare));
    expect(numbersIn(defaultOf('FEED_ITEM_LIMIT'))[0]).toBe(feed.itemLimit);
    expect(numbersIn(defaultOf('PUBLISH_INTERVAL_MINUTES'))[0]).toBe(feed.ttlMinutes);
    expect(defaultOf('FEED_PUBLISH_TIME')).toContain(time);
    expect(defaultOf('FEED_PUBLISH_TIME')).toContain(feed.publishTime.timeZone);
    expect(defaultOf('FEED_HOME_URL')).toContain('siteUrl');
    expect(feed.homeUrl).toBe(feed.siteUrl);
    expect(feed.feedUrls).toEqual({ rss: `${feed.siteUrl}rss.xml`, atom: `${feed.siteUrl}atom.xml`, json: `${feed.siteUrl}feed.json` });
  });

  it('has the defaults and bounds of the Limits table', () => {
    // Prepare: the numbers of each row.
    const [seedDefault] = numbersIn(limitRow('MAX_SEED_BYTES')[1]!);
    const [feedDefault] = numbersIn(limitRow('MAX_FEED_BYTES')[1]!);
    const [sharePercent] = numbersIn(limitRow('UNPUBLISH_MAX_SHARE')[1]!);
    const [itemDefault, itemMin, itemMax] = numbersIn(limitRow('FEED_ITEM_LIMIT')[1]!);
    const [intervalMin, intervalMax] = numbersIn(limitRow('PUBLISH_INTERVAL_MINUTES')[1]!);
    const base = {
      title: 'T',
      description: 'D',
      siteUrl: 'https://e.org/',
      language: 'en',
      author: { name: 'A' },
      idPrefix: 'tag:e.org,2026:',
    };
    const accepts = (variable: string, value: number) => {
      try {
        loadFeedConfig(base, { [variable]: String(value) });
        return true;
      } catch {
        return false;
      }
    };

    // Act
    const publishing = loadPublishSettings({ FEED_BUCKET: 'feeds' });
    const feed = loadFeedConfig(base, {});

    // Assess: sizes are in MiB, the share in percent.
    expect(limitRow('MAX_SEED_BYTES')[1]).toMatch(/MiB/);
    expect(publishing.limits.seedBytes).toBe(seedDefault! * 1024 * 1024);
    expect(publishing.limits.feedBytes).toBe(feedDefault! * 1024 * 1024);
    expect(publishing.maxUnpublishShare).toBe(sharePercent! / 100);
    expect(feed.itemLimit).toBe(itemDefault);
    expect([accepts('FEED_ITEM_LIMIT', itemMin!), accepts('FEED_ITEM_LIMIT', itemMax!)]).toEqual([true, true]);
    expect([accepts('FEED_ITEM_LIMIT', itemMin! - 1), accepts('FEED_ITEM_LIMIT', itemMax! + 1)]).toEqual([false, false]);
    expect([accepts('PUBLISH_INTERVAL_MINUTES', intervalMin!), accepts('PUBLISH_INTERVAL_MINUTES', intervalMax!)]).toEqual([true, true]);
    expect([accepts('PUBLISH_INTERVAL_MINUTES', intervalMin! - 1), accepts('PUBLISH_INTERVAL_MINUTES', intervalMax! + 1)]).toEqual([
      false,
      false,
    ]);
  });

  it('has the event limits of the Limits table', () => {
    // Prepare: "16 levels, 1,000 keys and elements, 64 KiB".
    const row = tableRows(section('Limits')).find((cells) => cells[2]?.includes('handlers/event.ts'));

    // Act
    const [depth, entries, kib] = numbersIn(row?.[1] ?? '');

    // Assess
    expect({ depth, entries, textLength: kib! * 1024 }).toEqual(EVENT_LIMITS);
  });

  it('names every environment variable the code reads', () => {
    // Prepare: every `env.NAME` read (not assigned) in the sources and the handlers.
    const sources = (folder: string): string[] =>
      readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
        .filter((file) => file.endsWith('.ts'))
        .map((file) => readFileSync(join(ROOT, folder, file), 'utf8'));
    const read = new Set(
      [...sources('src'), ...sources('handlers')].flatMap((text) =>
        [...text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)\b(?!\s*\?\?=)/g)].map((match) => match[1]!),
      ),
    );

    // Act
    const undocumented = [...read].filter((name) => !new RegExp(`\\b${name}\\b`).test(README));

    // Assess
    expect(read.size).toBeGreaterThan(2);
    expect(undocumented).toEqual([]);
  });

  it('has `npm run cli -- build` refuse a CACHE_CONTROL that the Lambda and `npm start` refuse', async () => {
    // Prepare: a value the publish settings refuse.
    const env = { FEED_BUCKET: 'feeds', CACHE_CONTROL: 'max-age=300, \u00e9' };
    expect(() => loadPublishSettings(env)).toThrow(/CACHE_CONTROL/);
    await writeFile(join(dir, 'feed.config.json'), JSON.stringify(CONFIG_FILE));
    const io = fakeIo(dir, { env: { CACHE_CONTROL: env.CACHE_CONTROL } });

    // Act
    const code = await runCli(['build', '--seeds', join(ROOT, 'seeds'), '--out', 'out', '--now', '2100-01-01'], io);

    // Assess: a usage error naming the variable, as for UNPUBLISH_MAX_SHARE or MAX_SEED_BYTES.
    expect(lines(io.err).join('\n')).toMatch(/CACHE_CONTROL/);
    expect(code).toBe(2);
  });
});

describe('README: command line', () => {
  it('documents every option of `build` and `validate`, and no other', () => {
    // Prepare
    const text = section('Command line');
    const documented = new Set([...text.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)].map((match) => match[1]!));

    // Act
    const accepted = new Set(Object.keys(BUILD_OPTIONS).map((name) => `--${name}`));

    // Assess
    expect([...documented].filter((option) => !accepted.has(option))).toEqual([]);
    expect([...accepted].filter((option) => !documented.has(option))).toEqual([]);
  });

  it('documents the same `npm start` options as its own help', async () => {
    // Prepare: the options column of the table under "Two commands".
    const documented = tableRows(section('Two commands'))
      .map((row) => /^`(--[a-z-]+)/.exec(row[0] ?? '')?.[1])
      .filter((option) => option !== undefined);
    const io = fakeIo(dir);

    // Act
    const { code } = await startLocal(['--help'], io);
    const helped = [...io.out.join('\n').matchAll(/^\s+(--[a-z-]+)/gm)].map((match) => match[1]!);

    // Assess
    expect(code).toBe(0);
    expect([...documented].sort()).toEqual([...helped].sort());
  });

  it('writes at the output root only the files the README names', async () => {
    // Prepare: the files "build" names (`rss.xml`, … `404.html`), and the manifest's folder.
    const named = new Set(codeSpans(section('Command line')).filter((span) => /^[\w-]+\.(xml|json|css|html)$/.test(span)));
    const out = join(dir, 'public');

    // Act
    await publishSeeds(out);
    const entries = await readdir(out, { withFileTypes: true });

    // Assess: every file is named; the folders are the article pages and the manifest.
    expect(
      entries
        .filter((entry) => entry.isFile())
        .map((entry) => entry.name)
        .filter((name) => !named.has(name)),
    ).toEqual([]);
    expect(
      entries
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort(),
    ).toEqual(['_publish', 'articles']);
    expect(README).toContain('`public/_publish/manifest.json`');
    expect(existsSync(join(out, '_publish/manifest.json'))).toBe(true);
  });
});

describe('README: Logs', () => {
  it('shows the summary an unchanged run over the shipped seeds gives', async () => {
    // Prepare: the example line's summary, without the Powertools and handler keys.
    const example = JSON.parse(/^\{"level":"INFO".*\}$/m.exec(section('Logs'))![0]) as Record<string, unknown>;
    const out = join(dir, 'public');
    await publishSeeds(out);

    // Act
    const unchanged = await publishSeeds(out);

    // Assess: the same keys (durationMs aside, values too).
    const handlerKeys = new Set(['level', 'message', 'timestamp', 'service', 'cold_start', 'sampling_rate', 'trigger']);
    const summaryOfExample = Object.fromEntries(
      Object.entries(example).filter(([key]) => !handlerKeys.has(key) && !key.startsWith('function_') && key !== 'durationMs'),
    );
    const { durationMs: _duration, ...summary } = unchanged;
    expect(summary).toEqual(summaryOfExample);
  });

  it('names every key of a run summary', async () => {
    // Prepare: a hub that accepts every notification.
    const keys = new Set(codeSpans(section('Logs')));
    const fetch = (async () => new Response(null, { status: 204 })) as typeof globalThis.fetch;

    // Act
    const summary: PublishSummary = await publishSeeds(join(dir, 'public'), { fetch }, { FEED_WEBSUB_HUB: 'https://hub.example.org/' });

    // Assess
    expect(Object.keys(summary).filter((key) => !keys.has(key))).toEqual([]);
  });
});

describe('README: paths', () => {
  it('names only repository paths that exist', () => {
    // Prepare: code spans that start at a top-level folder or name a top-level file (placeholders left out), and relative links.
    const top = /^(?:src|tests|handlers|infra|scripts|bench|docs|seeds|\.ci)\/|^(?:serverless\.yml|feed\.config\.json|package\.json)$/;
    // A name with neither a trailing "/" nor an extension (`handlers/publish`) names a test under tests/, checked below.
    const spans = codeSpans(README).filter((span) => top.test(span) && !/[<*\s]/.test(span) && /\/$|\.[\w]+$/.test(span));
    const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)]
      .map((match) => match[1]!)
      .filter((target) => !/^[a-z]+:/.test(target) && !target.startsWith('#'));
    const paths = [...new Set([...spans, ...links])];

    // Act
    const missing = paths.filter((path) => !existsSync(join(ROOT, path)));

    // Assess
    expect(paths.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('names only test files that exist in the Reliability tables', () => {
    // Prepare: the last column of each table, "file named … under tests/".
    const names = [...tableRows(section('Bad input')), ...tableRows(section('Faults injected'))]
      .filter((row) => row.length === 3 && row[2] !== 'test')
      .flatMap((row) => codeSpans(row[2]!))
      .filter((span) => !span.includes('.') || span.endsWith('.integration'));

    // Act
    const missing = [...new Set(names)].filter(
      (name) => !['.test.ts', '.integration.test.ts'].some((ending) => existsSync(join(ROOT, 'tests', `${name}${ending}`))),
    );

    // Assess
    expect(names.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });

  it('lays out every folder that exists, and every file and folder of src/', () => {
    // Prepare: the first word of each line of the Layout code block.
    const block = /```\n([\s\S]*?)```/.exec(section('Layout'))![1]!;
    const listed = block.split('\n').filter(Boolean);
    const firstWords = listed.map((line) => line.split(/\s+/)[0]!);

    // Act
    const missing = firstWords.filter((path) => !existsSync(join(ROOT, path)));
    const srcEntries = readdirSync(join(ROOT, 'src'), { withFileTypes: true }).map(
      (entry) => `src/${entry.name}${entry.isDirectory() ? '/' : ''}`,
    );
    const unlisted = srcEntries.filter((entry) => !block.includes(entry));

    // Assess
    expect(missing).toEqual([]);
    expect(unlisted).toEqual([]);
  });
});

/** Whether the parsed config file has a value at a dotted path. */
function existsInFile(file: unknown, path: string): boolean {
  let value = file;
  for (const step of path.split('.')) {
    if (typeof value !== 'object' || value === null) return false;
    value = (value as Record<string, unknown>)[step];
  }
  return value !== undefined;
}
