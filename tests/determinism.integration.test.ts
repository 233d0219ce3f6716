/**
 * "Output is deterministic: same seeds, same bytes. No wall-clock time in feeds unless an article
 * changed." Checked on the CLI as users run it (an esbuild bundle run by plain node, one process
 * per build), on the repository's seeds (the real seed among them) and a generated corpus of 150.
 * Each build varies one thing that must not matter (process time zone, locale, the order the seed
 * files were created and so listed in, the seeds' path, the working directory, the wall clock, the
 * seeds' modification times, the history that reached the seeds) and every output byte is compared
 * with a baseline build. The manifest is compared without what a folder records of its files by
 * design (inode, time and size as ETags and seed signatures, and the digests made from them: see
 * src/storage/folder.ts).
 *
 * SLOW (about 30 builds of 158 articles, each a node process of a fraction of a second): the whole
 * file takes 10 to 30 s. The CLI is bundled into a temp folder once, in beforeAll.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  opendirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from './helpers/prng.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const GENERATOR = resolve(REPO, '../shared/bench/gen-corpus.mjs');
// Like the shared feed checks: without ../shared beside the repository the file is skipped with
// the reason, and under CI=true it fails naming the missing path.
const WITHOUT_GENERATOR = !existsSync(GENERATOR);
if (WITHOUT_GENERATOR && process.env.CI === 'true')
  throw new Error(
    `CI=true and the shared corpus generator is missing: ${GENERATOR} does not exist; provide ../shared beside the repository.`,
  );
if (WITHOUT_GENERATOR) console.warn(`skipped: the shared corpus generator is not at ${GENERATOR}`);
const suite = WITHOUT_GENERATOR ? describe.skip : describe;
const CONFIG = join(REPO, 'feed.config.json');
const SITE_URL = (JSON.parse(readFileSync(CONFIG, 'utf8')) as { siteUrl: string }).siteUrl;
const MANIFEST = '_publish/manifest.json';
/** After every seed's day: nothing is held, and no run's clock is the reason an output changes. */
const NOW = '2100-01-01';
/** The baseline's environment: nothing from the machine running the tests but PATH and HOME. */
const BASE_ENV = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TZ: 'UTC', LANG: 'en_US.UTF-8' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A clock the built CLI reads instead of the machine's (Date.now and `new Date()`), loaded with `node --import`. */
const FAKE_CLOCK = `const fake = Date.parse(process.env.FAKE_NOW);
const Real = Date;
const offset = fake - Real.now();
class FakeDate extends Real {
  constructor(...args) { if (args.length === 0) super(Real.now() + offset); else super(...args); }
  static now() { return Real.now() + offset; }
}
globalThis.Date = FakeDate;
`;

/**
 * A seed of the test's own for the Turkish casing trap: dotted and dotless i, upper and lower
 * case, in its file name (ids and slugs come from names and titles) and its text. Lower-casing
 * by the process locale would turn `I` into `ı` under tr_TR.
 */
const TURKISH_SEED = {
  name: 'İzmir-ışık-FESTIVALI.txt',
  text: `date 2026-01-07 İzmir'de Işıklı Gece: DİYARBAKIR, ISPARTA ve Iğdır
lang tr

Işık festivali İzmir'de başladı; binlerce kişi ılık bir gecede sokaklara çıktı.

İKİNCİ GÜN IŞIKLARI

"Işıklar ılık gecede parladı," dedi bir gönüllü.
`,
};

/** Where the test writes: outputs, the bundle, the generated corpus. */
let work: string;
/**
 * Where seed folders are made. On tmpfs (/dev/shm) a folder lists its files in the reverse of the
 * order they were created in; ext4 lists them by a hash of the name, whatever the order.
 */
let seedRoot: string;
let cli: string;
let fakeClock: string;
/** Every seed, by file name: the repository's, the real one in ../shared and the generated corpus. */
let seeds: Map<string, Buffer>;
/** The seeds written in file-name order. */
let seedsDir: string;
/** The clean build every other build is compared with, and its folder. */
let baseline: Snapshot;
let baselineOut: string;

interface BuildOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Default REPO, whose feed.config.json the CLI reads; from elsewhere the test passes --config. */
  readonly cwd?: string;
  /** `--now`; null: none, the clock is the wall clock. */
  readonly now?: string | null;
  readonly nodeArgs?: readonly string[];
}

/** Runs `cli build` in a process of its own and returns what it printed on stdout; throws when it fails. */
function build(seedsFolder: string, out: string, options: BuildOptions = {}): string {
  const cwd = options.cwd ?? REPO;
  const now = options.now === undefined ? NOW : options.now;
  const args = [
    ...(options.nodeArgs ?? []),
    cli,
    'build',
    '--seeds',
    seedsFolder,
    '--out',
    out,
    ...(now === null ? [] : ['--now', now]),
    ...(cwd === REPO ? [] : ['--config', CONFIG]),
  ];
  const result = spawnSync(process.execPath, args, { cwd, env: { ...BASE_ENV, ...options.env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cli build exited with ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** The seeds written into a new folder in the given order of file names (with other bytes for some, if given). */
function writeSeeds(folder: string, names: readonly string[], replaced: ReadonlyMap<string, Buffer> = new Map()): string {
  mkdirSync(folder, { recursive: true });
  for (const name of names) writeFileSync(join(folder, name), replaced.get(name) ?? seeds.get(name)!);
  return folder;
}

/** A folder's names in the order the file system lists them (readdirSync sorts them; opendir does not). */
function listingOrder(folder: string): string[] {
  const names: string[] = [];
  const dir = opendirSync(folder);
  try {
    for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) names.push(entry.name);
  } finally {
    dir.closeSync();
  }
  return names;
}

/** Every file under a folder, as `a/b.html` paths, in code-unit order. */
function filesUnder(root: string, prefix = ''): string[] {
  const found: string[] = [];
  for (const name of readdirSync(join(root, prefix))) {
    const path = prefix === '' ? name : `${prefix}/${name}`;
    if (statSync(join(root, path)).isDirectory()) found.push(...filesUnder(root, path));
    else found.push(path);
  }
  return found.sort();
}

interface Snapshot {
  /** Every output file but the manifest, by path. */
  readonly files: ReadonlyMap<string, Buffer>;
  /** The manifest without what is folder-specific by design. */
  readonly manifest: string;
}

function snapshot(out: string): Snapshot {
  const files = new Map<string, Buffer>();
  for (const path of filesUnder(out)) if (path !== MANIFEST) files.set(path, readFileSync(join(out, path)));
  return { files, manifest: portableManifest(readFileSync(join(out, MANIFEST), 'utf8')) };
}

/**
 * The manifest without the inode/time/size ETags of the output files and the seeds' signatures,
 * which are a folder's by design, and the digests made from them (the records' and the listings').
 */
function portableManifest(text: string): string {
  const manifest = JSON.parse(text) as {
    records?: string;
    settled?: { listing?: string };
    articles: Record<string, { seed?: string; page?: { etag?: string } }>;
    objects: Record<string, { etag?: string }>;
  };
  delete manifest.records;
  delete manifest.settled?.listing;
  for (const record of Object.values(manifest.articles)) {
    delete record.seed;
    delete record.page?.etag;
  }
  for (const record of Object.values(manifest.objects)) delete record.etag;
  return `${JSON.stringify(manifest, null, 1)}\n`;
}

/** Where two snapshots differ, one line each, with the bytes around the first difference; [] when they do not. */
function differences(expected: Snapshot, actual: Snapshot, { manifest = true, archives = true } = {}): string[] {
  const keep = (path: string) => archives || !path.startsWith('archive/');
  const paths = [...new Set([...expected.files.keys(), ...actual.files.keys()])].filter(keep).sort();
  const found: string[] = [];
  const firstDifference = (path: string, a: Buffer, b: Buffer) => {
    let at = 0;
    while (at < a.length && at < b.length && a[at] === b[at]) at++;
    const around = (bytes: Buffer) => JSON.stringify(bytes.subarray(Math.max(0, at - 30), at + 50).toString('utf8'));
    return `${path} differs at byte ${at}: ${around(a)} vs ${around(b)}`;
  };
  for (const path of paths) {
    const a = expected.files.get(path);
    const b = actual.files.get(path);
    if (a === undefined) found.push(`${path} is extra`);
    else if (b === undefined) found.push(`${path} is missing`);
    else if (!a.equals(b)) found.push(firstDifference(path, a, b));
  }
  if (manifest && expected.manifest !== actual.manifest) {
    found.push(firstDifference(MANIFEST, Buffer.from(expected.manifest), Buffer.from(actual.manifest)));
  }
  return found;
}

/** A fresh, empty folder name under the work folder. */
let outCount = 0;
function freshOut(label: string): string {
  return join(work, `out-${++outCount}-${label.replace(/[^\w-]+/g, '_')}`);
}

/** The calendar day of an instant in the forms the outputs would carry it: ISO (`2026-11-28`) and RFC 822 (`Sat, 28 Nov 2026`). */
function dayForms(instant: Date): string[] {
  const day = String(instant.getUTCDate()).padStart(2, '0');
  return [
    instant.toISOString().slice(0, 10),
    `${DAYS[instant.getUTCDay()]}, ${day} ${MONTHS[instant.getUTCMonth()]} ${instant.getUTCFullYear()}`,
  ];
}

/** The output files, manifest aside, whose text holds any of the strings. */
function filesHolding(snap: Snapshot, needles: readonly string[]): string[] {
  return [...snap.files].filter(([, bytes]) => needles.some((needle) => bytes.includes(needle))).map(([path]) => path);
}

/** Every item id of the feeds and of the archives they lead to (JSON Feed `next_url`), in the order met. */
function idsThroughArchives(out: string): string[] {
  const ids: string[] = [];
  let path: string | undefined = 'feed.json';
  const seen = new Set<string>();
  while (path !== undefined && !seen.has(path)) {
    seen.add(path);
    const feed = JSON.parse(readFileSync(join(out, path), 'utf8')) as { items: { id: string }[]; next_url?: string };
    ids.push(...feed.items.map((item) => item.id));
    path = feed.next_url?.startsWith(SITE_URL) ? feed.next_url.slice(SITE_URL.length) : undefined;
  }
  return ids;
}

beforeAll(() => {
  if (WITHOUT_GENERATOR) return;
  work = mkdtempSync(join(tmpdir(), 'feedpress-determinism-'));
  seedRoot = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'feedpress-determinism-seeds-'));
  // The CLI as `npm run cli` builds it, into the temp folder.
  const bundled = spawnSync(process.execPath, [join(REPO, 'scripts/build.mjs'), '--quiet', '--outdir', join(work, 'dist'), 'cli'], {
    cwd: REPO,
    encoding: 'utf8',
  });
  if (bundled.status !== 0) throw new Error(`bundling the CLI failed: ${bundled.stderr}`);
  cli = join(work, 'dist/cli/index.mjs');
  fakeClock = join(work, 'fake-clock.mjs');
  writeFileSync(fakeClock, FAKE_CLOCK);
  // The generated corpus: 150 articles over twenty years, which makes three archive pages.
  const corpus = join(work, 'corpus');
  const generated = spawnSync(process.execPath, [GENERATOR, corpus, '150'], { encoding: 'utf8' });
  if (generated.status !== 0) throw new Error(`generating the corpus failed: ${generated.stderr}`);
  seeds = new Map();
  // The repository's seeds hold the real one from ../shared/seeds.
  for (const folder of [join(REPO, 'seeds'), corpus]) {
    for (const name of readdirSync(folder).filter((file) => file.endsWith('.txt'))) seeds.set(name, readFileSync(join(folder, name)));
  }
  seeds.set(TURKISH_SEED.name, Buffer.from(TURKISH_SEED.text));
  seedsDir = writeSeeds(join(seedRoot, 'sorted'), [...seeds.keys()].sort());
  baselineOut = freshOut('baseline');
  build(seedsDir, baselineOut);
  baseline = snapshot(baselineOut);
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
  if (seedRoot) rmSync(seedRoot, { recursive: true, force: true });
});

suite('a clean build of the same seeds', () => {
  it('publishes every seed, with archives, so that the comparisons below cover all kinds of output', () => {
    // Prepare: the baseline built in beforeAll.
    const paths = [...baseline.files.keys()];

    // Act
    const pages = paths.filter((path) => path.startsWith('articles/'));
    const archives = paths.filter((path) => path.startsWith('archive/'));

    // Assess
    expect(seeds.size).toBe(7 + 150 + 1); // the real seed is one of the repository's seven
    expect(pages).toHaveLength(seeds.size);
    expect(pages).toContain('articles/2026-01-07-izmir-de-isıklı-gece-diyarbakir-isparta-ve-igdır.html');
    expect(archives.length).toBeGreaterThanOrEqual(6);
    expect(paths).toEqual(expect.arrayContaining(['rss.xml', 'atom.xml', 'feed.json', 'index.html', '404.html', 'feed.css']));
  });

  it.each(['UTC', 'Pacific/Kiritimati', 'America/St_Johns', 'Asia/Kathmandu'])(
    'gives the same bytes whatever the process time zone (TZ=%s)',
    (zone) => {
      // Prepare
      const out = freshOut(`tz-${zone}`);

      // Act
      build(seedsDir, out, { env: { TZ: zone } });

      // Assess
      expect(differences(baseline, snapshot(out))).toEqual([]);
    },
  );

  it.each(['C', 'tr_TR.UTF-8', 'de_DE.UTF-8', 'ja_JP.UTF-8'])('gives the same bytes whatever the locale (LANG=LC_ALL=%s)', (locale) => {
    // Prepare
    const out = freshOut(`locale-${locale}`);

    // Act
    build(seedsDir, out, { env: { LANG: locale, LC_ALL: locale, LC_COLLATE: locale, LC_CTYPE: locale } });

    // Assess
    expect(differences(baseline, snapshot(out))).toEqual([]);
  });

  it('gives the same bytes whatever order the seed files were created, and so are listed, in', () => {
    // Prepare: the same files created in reverse order, and in a shuffled order.
    const names = [...seeds.keys()].sort();
    const random = mulberry32(20260601);
    const shuffled = names
      .map((name) => ({ name, key: random() }))
      .sort((a, b) => a.key - b.key)
      .map(({ name }) => name);
    const reversed = writeSeeds(join(seedRoot, 'reversed'), [...names].reverse());
    const mixed = writeSeeds(join(seedRoot, 'shuffled'), shuffled);
    const [outReversed, outMixed] = [freshOut('reversed'), freshOut('shuffled')];

    // Act
    build(reversed, outReversed);
    build(mixed, outMixed);

    // Assess: the file system lists the folders in other orders, and the outputs are the same.
    expect(listingOrder(reversed)).not.toEqual(listingOrder(seedsDir));
    expect(listingOrder(mixed)).not.toEqual(listingOrder(seedsDir));
    expect(differences(baseline, snapshot(outReversed))).toEqual([]);
    expect(differences(baseline, snapshot(outMixed))).toEqual([]);
  });

  it('gives the same bytes from seeds under a path with spaces and non-ASCII characters, run from another working directory', () => {
    // Prepare: relative --seeds and --out, resolved against a working directory of that name.
    const cwd = join(work, 'a folder with spaces', 'Київ é ünïcødé 日本 €');
    writeSeeds(join(cwd, 'my seeds ✓'), [...seeds.keys()].sort());

    // Act
    build('my seeds ✓', 'site out', { cwd });

    // Assess
    expect(differences(baseline, snapshot(join(cwd, 'site out')))).toEqual([]);
  });

  it('gives the same bytes whatever the wall clock says, --now being fixed', () => {
    // Prepare: two clocks far apart, one of them before every seed's day.
    const [outLate, outEarly] = [freshOut('clock-late'), freshOut('clock-early')];

    // Act
    build(seedsDir, outLate, { nodeArgs: ['--import', fakeClock], env: { FAKE_NOW: '2087-03-14T15:09:26Z' } });
    build(seedsDir, outEarly, { nodeArgs: ['--import', fakeClock], env: { FAKE_NOW: '1999-12-31T23:59:59Z' } });

    // Assess
    expect(differences(baseline, snapshot(outLate))).toEqual([]);
    expect(differences(baseline, snapshot(outEarly))).toEqual([]);
  });

  it("gives the same bytes whatever the seed files' modification times", () => {
    // Prepare: a copy of the seeds, each file given its own time, some of them in the future.
    const touched = writeSeeds(join(seedRoot, 'touched'), [...seeds.keys()].sort());
    [...seeds.keys()].forEach((name, index) => {
      const time = new Date(Date.UTC(1995 + (index % 40), index % 12, 1 + (index % 28), index % 24));
      utimesSync(join(touched, name), time, time);
    });
    const out = freshOut('touched');

    // Act
    build(touched, out);

    // Assess
    expect(differences(baseline, snapshot(out))).toEqual([]);
  });

  it('gives the same feeds, pages, index and archives whatever --now is once every article is due', () => {
    // Prepare: a clock 57 years later, in a zone of its own.
    const out = freshOut('later-now');

    // Act
    build(seedsDir, out, { now: '2157-07-07T07:07:07+05:45' });

    // Assess: only the manifest records the run's clock (its settled state's `from`).
    expect(differences(baseline, snapshot(out), { manifest: false })).toEqual([]);
  });

  it("gives the same bytes whatever the process time zone when the site's own zone is not UTC", () => {
    // Prepare: articles go out at 00:30 in Kathmandu (UTC+05:45); built in three process zones.
    const site = { FEED_TIME_ZONE: 'Asia/Kathmandu', FEED_PUBLISH_TIME: '00:30' };
    const outs = ['UTC', 'Pacific/Kiritimati', 'America/St_Johns'].map((zone) => {
      const out = freshOut(`site-zone-${zone}`);
      // Act
      build(seedsDir, out, { env: { ...site, TZ: zone } });
      return snapshot(out);
    });

    // Assess: the zone reached the feeds (18:45 UTC the day before), and each build is the same.
    expect(outs[0]!.files.get('atom.xml')!.toString('utf8')).toContain('T18:45:00.000Z');
    expect(differences(outs[0]!, outs[1]!)).toEqual([]);
    expect(differences(outs[0]!, outs[2]!)).toEqual([]);
  });
});

suite('a build into a folder that already holds the same site', () => {
  it('writes nothing, whatever the time zone, locale and working directory of the second run', () => {
    // Prepare: a first build, and every file's inode, time and size after it.
    const out = freshOut('twice');
    build(seedsDir, out);
    const stamp = () => filesUnder(out).map((path) => [path, statSync(join(out, path)).ino, statSync(join(out, path)).mtimeMs]);
    const before = stamp();

    // Act
    const printed = build(seedsDir, out, { env: { TZ: 'Asia/Kathmandu', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' }, cwd: work });

    // Assess
    expect(printed).toContain(`; 0 files written, ${baseline.files.size} unchanged, 0 deleted`);
    expect(stamp()).toEqual(before);
    expect(differences(baseline, snapshot(out))).toEqual([]);
  });

  it('writes nothing when the seeds were only touched, or re-saved with a BOM and CRLF line ends', () => {
    // Prepare: a first build; then every seed touched, and two re-saved with other line ends.
    const names = [...seeds.keys()].sort();
    const folder = writeSeeds(join(seedRoot, 'resaved'), names);
    const out = freshOut('resaved');
    build(folder, out);
    const later = new Date('2030-05-05T05:05:05Z');
    for (const name of names) utimesSync(join(folder, name), later, later);
    for (const name of ['2026-01-20-short-notice.txt', names.at(-1)!]) {
      const crlf = seeds
        .get(name)!
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .replace(/\r?\n/g, '\r\n');
      writeFileSync(join(folder, name), `\uFEFF${crlf}`);
    }

    // Act
    const printed = build(folder, out);

    // Assess: read again, found unchanged, so no article counts as edited.
    expect(printed).toContain(`; 0 files written, ${baseline.files.size} unchanged, 0 deleted`);
    expect(differences(baseline, snapshot(out))).toEqual([]);
  });

  it('writes nothing when the same seeds are read from a copy in another folder', () => {
    // Prepare
    const out = freshOut('moved-seeds');
    build(seedsDir, out);
    const copy = join(seedRoot, 'copied elsewhere');
    mkdirSync(copy);
    for (const name of readdirSync(seedsDir)) copyFileSync(join(seedsDir, name), join(copy, name));

    // Act
    const printed = build(copy, out);

    // Assess
    expect(printed).toContain(`; 0 files written, ${baseline.files.size} unchanged, 0 deleted`);
    expect(differences(baseline, snapshot(out))).toEqual([]);
  });
});

suite('an incremental build that reaches the same seeds through a history of adds, edits and deletes', () => {
  /** The folder the history was built into, and what each of its runs printed. */
  let out: string;
  let printed: string[];

  beforeAll(() => {
    // Three runs on the way, each with its own clock: articles held then due, old articles added
    // after newer ones, articles re-saved with other line ends, an article deleted and brought
    // back, one broken while published and one broken before it ever was, and articles added,
    // edited and deleted that the final seeds do not have. No final article's text changes on
    // the way (an edit is dated by the run that sees it, by design).
    const corpus = [...seeds.keys()].filter((name) => /^20(0|1|2[0-5])/.test(name)).sort();
    const backdated = new Set(corpus.slice(0, 100).filter((_, index) => index % 10 === 3));
    const firstHundred = corpus.slice(0, 100).filter((name) => !backdated.has(name));
    const repositorySeeds = [...seeds.keys()].filter((name) => !corpus.includes(name));
    const extra = {
      'zz-extra-archived.txt': 'date 2010-05-05 An Extra Article Deep in the Archive\n\nPublished, then deleted.\n',
      'zz-extra-edited.txt': 'date 2025-12-30 An Extra Article That Is Edited\n\nPublished, edited, then deleted.\n',
      'zz-extra-window.txt': 'date 2026-01-21 An Extra Article Among the Feed Items\n\nPublished, then deleted.\n',
    };
    const resaved = new Map(
      ['2026-01-20-short-notice.txt', corpus[5]!].map((name) => [
        name,
        Buffer.from(`\uFEFF${seeds.get(name)!.toString('utf8').replace(/\r?\n/g, '\r\n')}`),
      ]),
    );
    const [restored, brokenLater, brokenFirst] = [corpus[20]!, corpus[40]!, corpus[60]!];
    const broken = (name: string) =>
      Buffer.from(
        seeds
          .get(name)!
          .toString('utf8')
          .replace(/^date \S+/, 'date 2025-02-30'),
      );
    const folder = join(seedRoot, 'history');
    out = freshOut('history');
    printed = [];

    // Run 1, clock 2026-01-25: the first hundred corpus articles but ten, the repository's seeds
    // (five held), two of them re-saved with a BOM and CRLF, one broken, and the three extras.
    writeSeeds(folder, [...firstHundred, ...repositorySeeds], new Map([...resaved, [brokenFirst, broken(brokenFirst)]]));
    for (const [name, text] of Object.entries(extra)) writeFileSync(join(folder, name), text);
    printed.push(build(folder, out, { now: '2026-01-25T12:00:00Z' }));

    // Run 2, clock 2026-02-06: the newest fifty corpus articles; the re-saved seeds back as they
    // were; the broken one fixed, another one broken and another one deleted; one extra edited,
    // one deleted.
    writeSeeds(folder, [...corpus.slice(100), ...resaved.keys(), brokenFirst]);
    writeSeeds(folder, [brokenLater], new Map([[brokenLater, broken(brokenLater)]]));
    rmSync(join(folder, restored));
    writeFileSync(join(folder, 'zz-extra-edited.txt'), 'date 2025-12-30 An Extra Article That Is Edited\n\nEdited once.\n');
    rmSync(join(folder, 'zz-extra-window.txt'));
    printed.push(build(folder, out, { now: '2026-02-06T00:00:00Z' }));

    // Run 3, the final clock: the ten older articles left out so far; the deleted one back, the
    // broken one fixed; the other extras deleted.
    writeSeeds(folder, [...backdated, restored, brokenLater]);
    rmSync(join(folder, 'zz-extra-archived.txt'));
    rmSync(join(folder, 'zz-extra-edited.txt'));
    printed.push(build(folder, out));
    expect(readdirSync(folder).sort()).toEqual([...seeds.keys()].sort());

    // Run 4: nothing changed.
    printed.push(build(folder, out));
  });

  it('went through held, refused and unpublished articles on the way', () => {
    // Prepare: the history run in beforeAll.
    const [first, second, third] = printed;

    // Act
    const summary = (text = '') =>
      /\((\d+) in the feeds, (\d+) rejected, (\d+) held\); \d+ files written, \d+ unchanged, (\d+) deleted/.exec(text)?.slice(1);

    // Assess: [feed items, rejected, held, pages deleted] of each run.
    expect(summary(first)).toEqual(['50', '1', '5', '0']);
    expect(summary(second)).toEqual(['50', '1', '2', '2']);
    expect(summary(third)).toEqual(['50', '0', '0', '2']);
  });

  it('ends with the feeds, article pages, index, 404 page and feed.css of a clean build', () => {
    // Prepare: the history run in beforeAll.
    const incremental = snapshot(out);

    // Act
    const found = differences(baseline, incremental, { manifest: false, archives: false });

    // Assess: the archives may differ (README, "Archives are stable": closed pages keep their articles).
    expect(found).toEqual([]);
  });

  it('ends with every article exactly once in the feeds and the archives they lead to', () => {
    // Prepare
    const expected = idsThroughArchives(baselineOut);

    // Act
    const ids = idsThroughArchives(out);

    // Assess
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual([...expected].sort());
    expect(ids).toHaveLength(seeds.size);
  });

  it('writes nothing on the build after it', () => {
    // Prepare: the fourth run of the history.
    const last = printed.at(-1)!;

    // Act
    const counts = /(\d+) files written, (\d+) unchanged, (\d+) deleted/.exec(last);

    // Assess
    expect(counts?.slice(1)).toEqual(['0', String(baseline.files.size), '0']);
  });
});

suite('wall-clock time in the output', () => {
  it('appears in no output file, manifest included, while --now is given', () => {
    // Prepare: a wall clock on a day no seed has, and today's real date.
    const fake = new Date('2087-03-14T15:09:26Z');
    const out = freshOut('clock-search');
    const today = dayForms(new Date());
    const seedDays = new Set([...seeds.values()].map((bytes) => /date\s+(\d{4}-\d{2}-\d{2})/.exec(bytes.toString('utf8'))?.[1]));
    const needles = [...dayForms(fake), ...(seedDays.has(today[0]) ? [] : today)];

    // Act
    build(seedsDir, out, { nodeArgs: ['--import', fakeClock], env: { FAKE_NOW: fake.toISOString() } });
    const site = snapshot(out);

    // Assess
    expect(filesHolding(site, needles)).toEqual([]);
    expect(needles.filter((needle) => readFileSync(join(out, MANIFEST), 'utf8').includes(needle))).toEqual([]);
  });

  it('stays out of the feeds, pages and index when the clock is the wall clock (no --now)', () => {
    // Prepare
    const fake = new Date('2087-03-14T15:09:26Z');
    const out = freshOut('no-now');

    // Act
    build(seedsDir, out, { now: null, nodeArgs: ['--import', fakeClock], env: { FAKE_NOW: fake.toISOString() } });
    const site = snapshot(out);

    // Assess: the same site as with --now; the run's clock is only in the manifest (its settled
    // state's `from`), by design.
    expect(readFileSync(join(out, MANIFEST), 'utf8')).toContain('"from":"2087-03-14T15:09:');
    expect(filesHolding(site, dayForms(fake))).toEqual([]);
    expect(differences(baseline, site, { manifest: false })).toEqual([]);
  });

  it("reaches the edited article's entry and the feeds' updated date when an article's text changes, and nothing else", () => {
    // Prepare: a first build, then one article among the feeds' items given another paragraph.
    const folder = writeSeeds(join(seedRoot, 'edited'), [...seeds.keys()].sort());
    const out = freshOut('edited');
    build(folder, out);
    const before = snapshot(out);
    const edited = '2026-01-27-library-vault.txt';
    writeFileSync(join(folder, edited), `${seeds.get(edited)!.toString('utf8').trimEnd()}\n\nA paragraph added later.\n`);
    const editTime = '2100-02-03T04:05:06Z';

    // Act
    const printed = build(folder, out, { now: editTime });
    const after = snapshot(out);

    // Assess: its page (new text) and the three feeds are written; the edit date is in the
    // feeds only, as the entry's and each feed's updated date.
    const changed = [...after.files.keys()].filter((path) => !after.files.get(path)!.equals(before.files.get(path) ?? Buffer.alloc(0)));
    expect(printed).toContain('; 4 files written');
    expect(changed).toEqual([
      'articles/2026-01-27-sample-library-opens-a-reading-room-in-a-former-bank-vault.html',
      'atom.xml',
      'feed.json',
      'rss.xml',
    ]);
    expect(filesHolding(after, dayForms(new Date(editTime))).sort()).toEqual(['atom.xml', 'feed.json', 'rss.xml']);
    const atom = after.files.get('atom.xml')!.toString('utf8');
    expect(atom.match(/<updated>2100-02-03T04:05:06\.000Z<\/updated>/g)).toHaveLength(2);
    const json = JSON.parse(after.files.get('feed.json')!.toString('utf8')) as { items: { id: string; date_modified: string }[] };
    const modified = json.items.filter((item) => item.date_modified === '2100-02-03T04:05:06.000Z').map((item) => item.id);
    expect(modified).toEqual(['tag:feeds.example.org,2026:articles/2026-01-27-library-vault']);
  });
});
