/**
 * `cli build --out DIR` and `cli validate` at the edges a user meets: overlapping seeds and
 * output folders, files in the output folder that the publisher did not write, odd paths, odd
 * `--now` values, usage errors, colliding seed names, output folders that cannot be written,
 * two builds at once, and the exit codes of the real process.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_OPTIONS, runCli } from '../src/cli.js';
import { ARTICLE_ERROR_LINE, fakeIo, lines, type FakeIo } from './helpers/cli-io.js';
import { buildCliBundle, type Ran, runProcess } from './helpers/cli-process.js';
import { configFileJson, seedText, SITE_URL } from './helpers/factory.js';
import { children, rssChannel, text, type JsonFeed } from './helpers/feeds.js';

/** A line of a stack trace: "    at fn (file:line:column)". */
const STACK_FRAME = /^\s+at .*:\d+:\d+\)?$/m;
const NOW = '2026-03-01T00:00:00Z';

const GOOD = {
  '2026-02-01-tram.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams are running again on line 2.'),
  '2026-02-10-bridge.txt': seedText('2026-02-10', 'Bridge Opens', 'A new footbridge links two districts.'),
};

/** Six seeds, so that deleting one stays under the default UNPUBLISH_MAX_SHARE of 20 %. */
const SIX = Object.fromEntries(
  ['a', 'b', 'c', 'd', 'e', 'f'].map((letter, index) => [
    `2026-02-0${index + 1}-${letter}.txt`,
    seedText(`2026-02-0${index + 1}`, `Story ${letter.toUpperCase()}`, `Text of story ${letter}.`),
  ]),
);

let dir: string;

async function writeSeeds(files: Record<string, string>, folder = 'seeds'): Promise<void> {
  await mkdir(join(dir, folder), { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, folder, name), content);
}

/** Every file under `folder` (dot files and subfolders included) with its bytes, keyed by relative path. */
function snapshot(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.set(relative(folder, full), readFileSync(full).toString('base64'));
    }
  };
  walk(folder);
  return files;
}

function jsonFeed(outDir: string): JsonFeed {
  return JSON.parse(readFileSync(join(outDir, 'feed.json'), 'utf8')) as JsonFeed;
}

/** The JSON Feed's titles, and the links of the feeds and the index that name no file in the folder. */
function site(outDir: string, base = SITE_URL): { titles: string[]; missing: string[] } {
  const feed = jsonFeed(outDir);
  const rss = children(rssChannel(readFileSync(join(outDir, 'rss.xml'), 'utf8')), 'item').map((item) => text(item.link));
  const index = [...readFileSync(join(outDir, 'index.html'), 'utf8').matchAll(/href="([^"]*articles\/[^"]+)"/g)].map((m) => m[1]!);
  const links = [...feed.items.map((item) => item.url!), ...rss, ...index.map((href) => new URL(href, base).href)];
  const missing = links.filter((url) => !url.startsWith(base) || !existsSync(join(outDir, url.slice(base.length))));
  return { titles: feed.items.map((item) => item.title!), missing };
}

/** Summary line numbers: files written, unchanged, deleted. */
function counts(io: FakeIo): { written: number; unchanged: number; deleted: number } {
  const match = /; (\d+) files written, (\d+) unchanged, (\d+) deleted$/.exec(lines(io.out).at(-1) ?? '');
  if (!match) throw new Error(`no summary line in ${JSON.stringify(io.out)}`);
  return { written: Number(match[1]), unchanged: Number(match[2]), deleted: Number(match[3]) };
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feedpress-cli-edges-'));
  await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson()));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cli build with seeds and output folders that overlap', () => {
  it.each([
    ['the same folder', 'seeds', 'seeds'],
    ['the seeds folder inside the output folder', 'site/seeds', 'site'],
    ['the seeds folder as the output folder’s articles/', 'site/articles', 'site'],
    ['the seeds folder as the output folder’s _publish/', 'site/_publish', 'site'],
    ['the seeds folder as the output folder’s archive/', 'site/archive', 'site'],
  ])('refuses the seeds folder within the output folder, naming both, and writes nothing: %s', async (_what, seedsDir, outDir) => {
    // Prepare
    await writeSeeds(SIX, seedsDir);
    const before = snapshot(dir);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['build', '--seeds', seedsDir, '--out', outDir, '--now', NOW], io);

    // Assess: the seed files would be served as they are, held ones included.
    expect(code).toBe(2);
    expect(lines(io.err)).toEqual([expect.stringMatching(/^--seeds \S+ is (inside|the same folder as) --out \S+: the seed files/)]);
    expect(snapshot(dir)).toEqual(before);
  });

  it.each([['the output folder inside the seeds folder', 'seeds', 'seeds/public']])(
    'never overwrites, deletes or adds a seed, nor reads an output file as one: %s',
    async (_what, seedsDir, outDir) => {
      // Prepare: six seeds, built once, then one deleted, the site URL changed and everything forced.
      await writeSeeds(SIX, seedsDir);
      await rm(join(dir, seedsDir, '2026-02-06-f.txt'));
      const seeds = () =>
        readdirSync(join(dir, seedsDir))
          .filter((name) => name.endsWith('.txt'))
          .map((name) => {
            const info = lstatSync(join(dir, seedsDir, name));
            return [name, readFileSync(join(dir, seedsDir, name), 'utf8'), info.ino, info.mtimeMs] as const;
          });
      const seedsBefore = seeds();
      await writeSeeds({ '2026-02-06-f.txt': SIX['2026-02-06-f.txt']! }, seedsDir);
      const build = ['build', '--seeds', seedsDir, '--out', outDir, '--now', NOW];

      // Act
      const first = fakeIo(dir);
      const firstCode = await runCli(build, first);
      await rm(join(dir, seedsDir, '2026-02-06-f.txt'));
      const deleted = fakeIo(dir);
      const deletedCode = await runCli(build, deleted);
      const moved = fakeIo(dir, { env: { SITE_URL: 'https://other.example.net/' } });
      const movedCode = await runCli([...build, '--force'], moved);
      const checked = fakeIo(dir);
      const validateCode = await runCli(['validate', '--seeds', seedsDir], checked);

      // Assess: every run succeeds and says nothing about a file that is not a seed.
      expect([firstCode, deletedCode, movedCode, validateCode]).toEqual([0, 0, 0, 0]);
      for (const io of [first, deleted, moved]) expect(io.err).toEqual([]);
      expect(counts(deleted).deleted).toBe(1);
      expect(lines(checked.err)).toEqual(['5 of 5 articles are valid']);
      // The same files with the same bytes, inodes and times: none rewritten, none added.
      expect(seeds()).toEqual(seedsBefore);
      const { titles, missing } = site(join(dir, outDir), 'https://other.example.net/');
      expect(titles).toEqual(['Story E', 'Story D', 'Story C', 'Story B', 'Story A']);
      expect(missing).toEqual([]);
    },
  );
});

describe('cli build with files in the output folder that the publisher did not write', () => {
  const OWN = {
    'robots.txt': 'User-agent: *\nDisallow:\n',
    CNAME: 'news.example.org\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/config': '[core]\n\tbare = false\n',
    'articles/old.html': '<p>An old page kept by hand.</p>\n',
    'articles/2019/kept.html': '<p>A page in a subfolder.</p>\n',
    'archive/notes.html': '<p>Notes.</p>\n',
    '_publish/notes.txt': 'Notes beside the manifest.\n',
  };

  it('leaves them in place, byte for byte, through builds, deleted seeds, a new siteUrl, --force and --dry-run', async () => {
    // Prepare
    await writeSeeds(SIX);
    for (const [path, content] of Object.entries(OWN)) {
      await mkdir(join(dir, 'out', path, '..'), { recursive: true });
      await writeFile(join(dir, 'out', path), content);
    }
    const build = ['build', '--seeds', 'seeds', '--out', 'out', '--now', NOW];

    // Act
    const codes = [await runCli(build, fakeIo(dir))];
    await rm(join(dir, 'seeds', '2026-02-01-a.txt'));
    const deleted = fakeIo(dir);
    codes.push(await runCli(build, deleted));
    const moved = fakeIo(dir, { env: { SITE_URL: 'https://other.example.net/blog/' } });
    codes.push(await runCli(build, moved));
    codes.push(await runCli([...build, '--force'], fakeIo(dir)));
    await rm(join(dir, 'seeds', '2026-02-02-b.txt'));
    const dry = fakeIo(dir);
    codes.push(await runCli([...build, '--dry-run', '--force'], dry));

    // Assess
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    expect(counts(deleted).deleted).toBe(1);
    expect(existsSync(join(dir, 'out', 'articles', '2026-02-01-story-a.html'))).toBe(false);
    expect(counts(moved).written).toBeGreaterThan(5);
    const after = snapshot(join(dir, 'out'));
    for (const [path, content] of Object.entries(OWN)) expect(after.get(path), path).toBe(Buffer.from(content).toString('base64'));
    expect(lines(dry.out).filter((line) => line.startsWith('would delete'))).toEqual(['would delete articles/2026-02-02-story-b.html']);
  });

  it('replaces a file the user put at one of its own keys (index.html), and only that', async () => {
    // Prepare
    await writeSeeds(GOOD);
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out', 'index.html'), '<p>placeholder</p>');
    await writeFile(join(dir, 'out', 'about.html'), '<p>about us</p>');

    // Act
    const code = await runCli(['build', '--out', 'out', '--now', NOW], fakeIo(dir));

    // Assess
    expect(code).toBe(0);
    expect(await readFile(join(dir, 'out', 'index.html'), 'utf8')).toContain('Bridge Opens');
    expect(await readFile(join(dir, 'out', 'about.html'), 'utf8')).toBe('<p>about us</p>');
  });
});

describe('cli build with odd paths', () => {
  it.each([
    ['relative, climbing out of the working folder', 'work', '../seeds', '../site', 'site'],
    ['with spaces and non-ASCII characters', '.', 'my seeds/новини été', 'my site/новини été', 'my site/новини été'],
    ['with a trailing slash', '.', 'seeds/', 'site/', 'site'],
    ['with "./" and "//" inside', '.', './seeds//', './/site/./', 'site'],
  ])('builds %s into the folder it names, and says which', async (_what, cwd, seedsArg, outArg, outDir) => {
    // Prepare
    await writeSeeds(GOOD, seedsArg.includes('новини') ? seedsArg : 'seeds');
    await mkdir(join(dir, cwd), { recursive: true });
    await writeFile(join(dir, cwd, 'feed.config.json'), JSON.stringify(configFileJson()));
    const io = fakeIo(join(dir, cwd));
    const again = fakeIo(join(dir, cwd));

    // Act
    const code = await runCli(['build', '--seeds', seedsArg, '--out', outArg, '--now', NOW], io);
    const againCode = await runCli(['build', '--seeds', seedsArg, '--out', outArg.replace(/\/+$/, ''), '--now', NOW], again);

    // Assess: the same folder both times, however it was spelled.
    expect([code, againCode]).toEqual([0, 0]);
    expect(lines(io.out)).toEqual([expect.stringContaining(` published to ${join(dir, outDir)} (`)]);
    expect(site(join(dir, outDir)).titles).toEqual(['Bridge Opens', 'Tram Line Reopens']);
    expect(counts(again).written).toBe(0);
  });

  it('takes absolute paths for --seeds, --out and --config, whatever the working folder', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(tmpdir());

    // Act
    const code = await runCli(
      ['build', '--seeds', join(dir, 'seeds'), '--out', join(dir, 'out'), '--config', join(dir, 'feed.config.json'), '--now', NOW],
      io,
    );

    // Assess
    expect(code).toBe(0);
    expect(site(join(dir, 'out')).titles).toHaveLength(2);
  });

  it('does not expand "~" (no shell did): the site goes to a folder named "~" in the working folder, and the summary says so', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['build', '--out', '~/site', '--now', NOW], io);

    // Assess
    expect(code).toBe(0);
    expect(lines(io.out)[0]).toContain(` published to ${join(dir, '~', 'site')} (`);
    expect(existsSync(join(dir, '~', 'site', 'rss.xml'))).toBe(true);
  });

  it('builds through an output folder that is a symbolic link, keeping the link, and finds it unchanged next time', async () => {
    // Prepare
    await writeSeeds(GOOD);
    await mkdir(join(dir, 'real-site'));
    await symlink(join(dir, 'real-site'), join(dir, 'out'));
    await symlink(join(dir, 'seeds'), join(dir, 'seeds-link'));
    const again = fakeIo(dir);

    // Act
    const code = await runCli(['build', '--seeds', 'seeds-link', '--out', 'out', '--now', NOW], fakeIo(dir));
    const againCode = await runCli(['build', '--seeds', 'seeds-link', '--out', 'out', '--now', NOW], again);

    // Assess
    expect([code, againCode]).toEqual([0, 0]);
    expect(lstatSync(join(dir, 'out')).isSymbolicLink()).toBe(true);
    expect(site(join(dir, 'real-site')).titles).toEqual(['Bridge Opens', 'Tram Line Reopens']);
    expect(counts(again)).toEqual({ written: 0, unchanged: 8, deleted: 0 });
  });

  // An empty path (what `--out "$SITE_DIR"` gives when the variable is unset) would mean the
  // working folder: for `npm run cli`, the repository root.
  it.each([
    ['--out', ['build', '--out', '', '--now', NOW]],
    ['--seeds', ['build', '--seeds', '', '--out', 'out', '--now', NOW]],
  ])('refuses an empty %s as a usage error, writing nothing into the working folder', async (option, argv) => {
    // Prepare
    await writeSeeds(GOOD);
    await writeFile(join(dir, 'index.html'), '<p>the working folder’s own page</p>');
    const before = snapshot(dir);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(argv, io);

    // Assess
    expect(code).toBe(2);
    expect(lines(io.err)[0]).toContain(option);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('cli build --now with odd values', () => {
  const DAY_SEEDS = {
    ...GOOD,
    '2026-03-01-today.txt': seedText('2026-03-01', 'Published Today', 'Due at midnight UTC.'),
  };

  const titlesAt = async (now: string) => {
    const io = fakeIo(dir);
    const out = `out-${Math.random().toString(36).slice(2)}`;
    const code = await runCli(['build', '--out', out, '--now', now], io);
    return { code, io, titles: code === 0 ? site(join(dir, out)).titles : [] };
  };

  it('reads a time with an offset as that instant, and a date alone as midnight UTC, whatever the machine’s time zone', async () => {
    // Prepare
    await writeSeeds(DAY_SEEDS);
    const zone = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      // Act
      const midnight = await titlesAt('2026-03-01T00:00:00Z');
      const offset = await titlesAt('2026-03-01T01:00:00+01:00');
      const before = await titlesAt('2026-03-01T00:59:59+01:00');
      const dateOnly = await titlesAt('2026-03-01');

      // Assess
      expect(midnight.titles).toEqual(['Published Today', 'Bridge Opens', 'Tram Line Reopens']);
      expect(offset.titles).toEqual(midnight.titles);
      expect(before.titles).toEqual(['Bridge Opens', 'Tram Line Reopens']);
      expect(dateOnly.titles).toEqual(midnight.titles);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it.each([['2026-13-01T00:00:00Z'], ['2026-03-01T25:00:00Z'], ['+275761-01-01T00:00:00Z'], ['1709251200'], [''], ['now']])(
    'exits 2 on --now %j, naming the value, and writes nothing',
    async (value) => {
      // Prepare
      await writeSeeds(GOOD);
      const io = fakeIo(dir);

      // Act
      const code = await runCli(['build', '--out', 'out', `--now=${value}`], io);

      // Assess
      expect(code).toBe(2);
      expect(lines(io.err)).toEqual([expect.stringMatching(/^--now: ".*" is not a date and time: give a day/)]);
      expect(lines(io.err)[0]).toContain(`"${value}"`);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    },
  );

  // `new Date` would take "2026-02-30T00:00:00Z" for 2 March (the very date a seed is refused
  // for), "1" for 1 January 2001, "01/02/2026" for 2 January and "March 7" for 7 March 2001, and
  // the build would run on that clock without a word.
  it.each([['2026-02-30T00:00:00Z'], ['1'], ['01/02/2026'], ['March 7']])(
    'refuses --now %j, which is no ISO time or no day on the calendar, instead of running on another clock',
    async (value) => {
      // Prepare
      await writeSeeds({ ...GOOD, '2026-03-02-monday.txt': seedText('2026-03-02', 'Monday', 'Due on the 2nd.') });
      const io = fakeIo(dir);

      // Act
      const code = await runCli(['build', '--out', 'out', '--now', value], io);

      // Assess
      expect(code).toBe(2);
      expect(lines(io.err)[0]).toMatch(/^--now: /);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    },
  );

  // A --now without an offset ("2026-03-01T00:00:00") would be read in the machine's own zone,
  // so the same command would publish an article on one machine and hold it on another.
  it('refuses a --now with a time but no zone, whatever the machine’s zone', async () => {
    // Prepare
    await writeSeeds(DAY_SEEDS);
    const zone = process.env.TZ;
    const results: { code: number; titles: string[] }[] = [];

    // Act
    try {
      for (const tz of ['UTC', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        results.push(await titlesAt('2026-03-01T00:00:00'));
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }

    // Assess
    expect(results.map((result) => result.code)).toEqual([2, 2]);
  });

  it('accepts a far-future --now up to year 9999; a later build on the real clock keeps what was published, without a warning', async () => {
    // Prepare
    await writeSeeds({ ...GOOD, '2030-01-01-later.txt': seedText('2030-01-01', 'Later', 'Published early by a clock set ahead.') });
    const ahead = fakeIo(dir);
    const back = fakeIo(dir);

    // Act
    const aheadCode = await runCli(['build', '--out', 'out', '--now', '9999-12-31T23:59:59Z'], ahead);
    const backCode = await runCli(['build', '--out', 'out', '--now', NOW], back);

    // Assess: README, "the clock set back": an article already published stays published.
    expect([aheadCode, backCode]).toEqual([0, 0]);
    expect(back.err).toEqual([]);
    expect(site(join(dir, 'out')).titles).toEqual(['Later', 'Bridge Opens', 'Tram Line Reopens']);
  });

  // A year past 9999 cannot be recorded in the manifest's settled state (ISO 8601 with four-digit
  // years), which the next build would then refuse, rebuilding and holding again an article
  // already published.
  it('refuses a --now after year 9999, and writes nothing', async () => {
    // Prepare
    await writeSeeds({ ...GOOD, '2030-01-01-later.txt': seedText('2030-01-01', 'Later', 'Published early by a clock set ahead.') });
    const ahead = fakeIo(dir);

    // Act
    const aheadCode = await runCli(['build', '--out', 'out', '--now', '+010000-01-01T00:00:00Z'], ahead);

    // Assess
    expect(aheadCode).toBe(2);
    expect(lines(ahead.err)[0]).toMatch(/^--now: /);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('cli usage errors', () => {
  it.each([
    ['a missing value at the end', ['build', '--out'], /^Option '--out <value>' argument missing$/],
    ['an option where a value should be', ['build', '--out', '--force'], /Option '--out' argument is ambiguous/],
    ['a missing --now value', ['build', '--out', 'out', '--now'], /Option '--now <value>' argument missing/],
    ['a positional argument', ['build', 'seeds', 'out'], /Unexpected argument 'seeds'/],
    ['an unknown option for validate', ['validate', '--seed', 'seeds'], /Unknown option '--seed'/],
    ['a single-dash long option', ['build', '-out', 'out'], /^Unknown option '-out': options take two dashes \(--out\)$/],
  ])('exits 2 on %s, the reason first, then the help; nothing written', async (_what, argv, reason) => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(argv, io);

    // Assess
    expect(code).toBe(2);
    expect(lines(io.err)[0]).toMatch(reason);
    expect(io.err.join('\n')).toContain('Usage: npm run cli -- <command> [options]');
    expect(io.err.join('\n')).not.toMatch(STACK_FRAME);
    expect(io.out).toEqual([]);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('takes the last of a repeated option', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['build', '--out', 'first', '--out', 'second', '--now', NOW], io);

    // Assess
    expect(code).toBe(0);
    expect(existsSync(join(dir, 'first'))).toBe(false);
    expect(existsSync(join(dir, 'second', 'rss.xml'))).toBe(true);
  });

  it('says which config file it cannot read, for a missing one and for a folder', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const missing = fakeIo(dir);
    const folder = fakeIo(dir);

    // Act
    const missingCode = await runCli(['build', '--out', 'out', '--config', 'nope.json'], missing);
    const folderCode = await runCli(['build', '--out', 'out', '--config', 'seeds'], folder);

    // Assess
    expect([missingCode, folderCode]).toEqual([2, 2]);
    expect(lines(missing.err)).toEqual([expect.stringMatching(new RegExp(`^cannot read ${join(dir, 'nope.json')}: .*ENOENT`))]);
    expect(lines(folder.err)).toEqual([expect.stringMatching(new RegExp(`^cannot read ${join(dir, 'seeds')}: .*EISDIR`))]);
  });

  // Every option the parser accepts is named in the help, --help and -h included.
  it('names in --help every option the parser accepts, with its short form', async () => {
    // Prepare: the options build takes (validate's are among them).
    const declared = Object.entries(BUILD_OPTIONS).map(([name, option]) => [name, 'short' in option ? option.short : undefined] as const);
    expect(declared.map(([name]) => name)).toEqual(expect.arrayContaining(['seeds', 'out', 'config', 'now', 'force', 'dry-run', 'help']));
    const io = fakeIo(dir);

    // Act
    await runCli(['--help'], io);

    // Assess
    const help = io.out.join('\n');
    const unnamed = declared.flatMap(([name, short]) => [
      ...(new RegExp(`(^|[\\s,])--${name}\\b`, 'm').test(help) ? [] : [`--${name}`]),
      ...(short === undefined || new RegExp(`(^|[\\s,])-${short}\\b`, 'm').test(help) ? [] : [`-${short}`]),
    ]);
    expect(unnamed).toEqual([]);
  });

  // `validate` takes only --seeds: build's options given to it are a mistake, refused as any
  // unknown option is, not ignored.
  it('refuses, on validate, the options only build takes, as it refuses any unknown option', async () => {
    // Prepare
    await writeSeeds(GOOD);
    const tries = [['--now', 'next tuesday'], ['--config', 'missing.json'], ['--out', 'public'], ['--force'], ['--dry-run']];

    // Act
    const results: [string, number][] = [];
    for (const extra of tries) results.push([extra[0]!, await runCli(['validate', '--seeds', 'seeds', ...extra], fakeIo(dir))]);

    // Assess
    expect(results).toEqual(tries.map((extra) => [extra[0], 2]));
  });
});

describe('cli with seed names that differ only in letter case or Unicode form', () => {
  it('publishes "Tram.txt" and "tram.txt" as two articles with two ids and two pages (ids keep the case of the name)', async () => {
    // Prepare
    await writeSeeds({ 'Tram.txt': seedText('2026-02-02', 'Upper', 'u.'), 'tram.txt': seedText('2026-02-02', 'Upper', 'l.') });
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['build', '--out', 'out', '--now', NOW], io);
    const validateCode = await runCli(['validate'], fakeIo(dir));

    // Assess: same date and title, so the second page takes the next free slug.
    expect([code, validateCode]).toEqual([0, 0]);
    const feed = jsonFeed(join(dir, 'out'));
    expect(new Set(feed.items.map((item) => item.id)).size).toBe(2);
    expect(readdirSync(join(dir, 'out', 'articles')).sort()).toEqual(['2026-02-02-upper-2.html', '2026-02-02-upper.html']);
    expect(site(join(dir, 'out')).missing).toEqual([]);
  });

  it.each([
    ['".txt" in another case', 'dup.txt', 'dup.TXT'],
    ['NFC and NFD', 'caf\u00e9.txt', 'cafe\u0301.txt'],
  ])('builds one of two seeds whose ids collide (%s), names the other on stderr and exits 0; validate exits 1', async (_what, a, b) => {
    // Prepare
    await writeSeeds({ [a]: seedText('2026-02-03', 'First Spelling', 'a.'), [b]: seedText('2026-02-04', 'Second Spelling', 'b.') });
    const io = fakeIo(dir);
    const checked = fakeIo(dir);

    // Act
    const code = await runCli(['build', '--out', 'out', '--now', NOW], io);
    const validateCode = await runCli(['validate'], checked);

    // Assess: the first name in byte order wins (README, "Bad input").
    const [first, second] = [a, b].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(code).toBe(0);
    expect(lines(io.err)).toEqual([expect.stringMatching(new RegExp(`^${second}:1: has the same item id as ${first} `))]);
    expect(lines(io.err)[0]).toMatch(ARTICLE_ERROR_LINE);
    expect(jsonFeed(join(dir, 'out')).items).toHaveLength(1);
    expect(validateCode).toBe(1);
    expect(lines(checked.out)).toEqual(lines(io.err));
  });
});

describe('cli validate against what build refuses', () => {
  // validate applies MAX_SEED_BYTES as build does, from the listed size, without reading the file.
  it('exits 1 for a seed over MAX_SEED_BYTES, which build refuses', async () => {
    // Prepare
    await writeSeeds({ ...GOOD, '2026-02-20-long.txt': seedText('2026-02-20', 'Long', 'word '.repeat(300_000)) });
    const built = fakeIo(dir);
    const checked = fakeIo(dir);

    // Act
    const buildCode = await runCli(['build', '--out', 'out', '--now', NOW], built);
    const validateCode = await runCli(['validate'], checked);

    // Assess
    expect(buildCode).toBe(0);
    expect(lines(built.err)).toEqual([expect.stringMatching(/^2026-02-20-long\.txt:1: .*MAX_SEED_BYTES/)]);
    expect(validateCode).toBe(1);
    expect(lines(checked.out)).toEqual([expect.stringMatching(/^2026-02-20-long\.txt:1: /)]);
  });

  it('exits 1, saying 0 of 0, for a seeds folder with no seed at all', async () => {
    // Prepare
    await writeSeeds({ 'README.md': '# not a seed' });
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['validate'], io);

    // Assess
    expect(code).toBe(1);
    expect(lines(io.err)).toEqual(['0 of 0 articles are valid']);
  });
});

describe('cli build into an output folder it cannot use', () => {
  it.each([
    ['a file', 'out.txt'],
    ['a path through a file', 'out.txt/site'],
    ['a seed file', 'seeds/2026-02-01-tram.txt'],
  ])('exits 1 with one line naming the folder when --out is %s, and changes no file', async (_what, out) => {
    // Prepare
    await writeSeeds(GOOD);
    await writeFile(join(dir, 'out.txt'), 'a file, not a folder\n');
    const before = snapshot(dir);
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['build', '--out', out, '--now', NOW], io);

    // Assess
    expect(code).toBe(1);
    expect(lines(io.err)).toEqual([expect.stringMatching(new RegExp(`^--out: ${join(dir, out)} (is|goes through) a file, not a folder`))]);
    expect(io.out).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('exits 1 with one line naming the folder when --out is a symbolic link to nothing', async () => {
    // Prepare
    await writeSeeds(GOOD);
    await symlink(join(dir, 'gone'), join(dir, 'out'));
    const io = fakeIo(dir);

    // Act
    const code = await runCli(['build', '--out', 'out', '--now', NOW], io);

    // Assess
    expect(code).toBe(1);
    expect(lines(io.err)).toEqual([expect.stringContaining(join(dir, 'out'))]);
    expect(existsSync(join(dir, 'gone'))).toBe(false);
  });
});

/** The CLI as the real process `npm run cli` runs: bundled from the current sources into a temp folder. */
describe('cli as a process', () => {
  let bundle: Awaited<ReturnType<typeof buildCliBundle>> | undefined;
  let cliBundle: string;

  beforeAll(async () => {
    bundle = await buildCliBundle('feedpress-cli-edges-bundle-');
    cliBundle = bundle.script;
  });

  afterAll(async () => {
    await bundle?.remove();
  });

  const cli = (args: readonly string[], user?: { uid: number; gid: number }) =>
    runProcess(process.execPath, [cliBundle, ...args], dir, user ? { user } : {});

  it.each([
    ['a build that works', 0, 'stdout', ['build', '--out', 'out', '--now', NOW], [/^2 articles published to /]],
    ['a validate that finds every seed valid', 0, 'stderr', ['validate'], [/^2 of 2 articles are valid$/]],
    ['a missing seeds folder', 2, 'stderr', ['build', '--seeds', 'nope', '--out', 'out'], [/^--seeds: .*nope does not exist$/]],
    ['a bad --now', 2, 'stderr', ['build', '--out', 'out', '--now', 'soon'], [/^--now: "soon" is not a date and time: /]],
    ['an output folder that is a file', 1, 'stderr', ['build', '--out', 'feed.config.json', '--now', NOW], [/is a file, not a folder/]],
    // Each seed says why: both are held.
    [
      'nothing publishable',
      1,
      'stderr',
      ['build', '--out', 'out', '--now', '2020-01-01T00:00:00Z'],
      [/: held until \d{4}-\d{2}-\d{2}$/, /: held until \d{4}-\d{2}-\d{2}$/, /nothing was written$/],
    ],
    // Every config problem at once (README, "Configuration"): a heading, then one line each.
    [
      'a bad config value',
      2,
      'stderr',
      ['build', '--out', 'out', '--config', 'bad.json'],
      [/^Invalid configuration:$/, /bad\.json itemLimit: /],
    ],
  ] as const)('%s: exit %i, and its line on %s without a stack trace', async (_what, code, stream, args, expected) => {
    // Prepare
    await writeSeeds(GOOD);
    await writeFile(join(dir, 'bad.json'), JSON.stringify(configFileJson({ itemLimit: 0 })));

    // Act
    const ran = await cli(args);

    // Assess
    expect(ran.code).toBe(code);
    expect(lines([ran[stream]])).toEqual(expected.map((line) => expect.stringMatching(line)));
    expect(ran.stderr).not.toMatch(STACK_FRAME);
    if (code !== 0) expect(ran.stdout).toBe('');
    else if (stream === 'stdout') expect(ran.stderr).toBe('');
  });

  it('exits 1 when validate refuses any seed, one stdout line per bad file', async () => {
    // Prepare
    await writeSeeds({ ...GOOD, 'bad.txt': seedText('2026-02-30', 'No Such Day', 'x.') });

    // Act
    const ran = await cli(['validate']);

    // Assess
    expect(ran.code).toBe(1);
    expect(lines([ran.stdout])).toEqual(['bad.txt:1: 2026-02-30 is not a date on the calendar']);
    expect(lines([ran.stderr])).toEqual(['2 of 3 articles are valid']);
  });

  it('exits 1 with one line when the output folder cannot be written (chmod 555; as root, run as "nobody", since root ignores the mode)', async () => {
    // Prepare: a folder owned by the user who runs the build, once writable and once not.
    await writeSeeds(GOOD);
    const root = process.getuid?.() === 0;
    const user = root ? { uid: 65534, gid: 65534 } : undefined;
    await chmod(dir, 0o755);
    for (const name of ['open', 'locked']) {
      await mkdir(join(dir, name));
      if (user) await chown(join(dir, name), user.uid, user.gid);
    }
    await chmod(join(dir, 'locked'), 0o555);

    // Act
    let open: Ran;
    let locked: Ran;
    try {
      open = await cli(['build', '--out', 'open', '--now', NOW], user);
      locked = await cli(['build', '--out', 'locked', '--now', NOW], user);
    } finally {
      await chmod(join(dir, 'locked'), 0o755);
    }

    // Assess
    expect(open.code).toBe(0);
    expect(locked.code).toBe(1);
    expect(lines([locked.stderr])).toEqual([expect.stringMatching(new RegExp(`EACCES.*${join(dir, 'locked')}`))]);
    expect(readdirSync(join(dir, 'locked'))).toEqual([]);
  });

  it('lets one of two builds started at once on one folder fail clearly; the folder stays whole and the next build converges', async () => {
    // Prepare: enough seeds that the two runs overlap. Two processes, since two runs in one
    // process do not interleave (the folder's calls are synchronous).
    const many = Object.fromEntries(
      Array.from({ length: 600 }, (_, i) => [
        `s${String(i).padStart(4, '0')}.txt`,
        seedText(`2026-02-${String(1 + (i % 28)).padStart(2, '0')}`, `Story ${i}`, `Text ${i}.`),
      ]),
    );
    await writeSeeds(many);
    const build = ['build', '--out', 'out', '--now', NOW];

    // Act
    const both = await Promise.all([cli(build), cli(build)]);
    const whole = site(join(dir, 'out'));
    const next = await cli(build);
    const settled = await cli(build);
    const fresh = await cli(['build', '--out', 'fresh', '--now', NOW]);

    // Assess: one failed with the manifest's reason, or the two did not overlap and the later
    // wrote nothing. Both succeeding with files written would mean both passed the manifest's
    // condition, which a folder checks and then writes (src/storage/folder.ts:82-88).
    const failed = both.filter((ran) => ran.code !== 0);
    expect(failed.length).toBeLessThanOrEqual(1);
    for (const ran of failed) {
      expect(ran.code).toBe(1);
      // Its last line; before it, a run that listed the other's feeds before its manifest says it read them back.
      expect(lines([ran.stderr]).at(-1)).toBe(
        "another publish run wrote _publish/manifest.json while this one ran; this run's pages and feeds are written, and the next run reconciles both",
      );
    }
    if (failed.length === 0) expect(both.map((ran) => ran.stdout)).toContainEqual(expect.stringContaining(' 0 files written'));
    expect(whole.missing).toEqual([]);
    expect(whole.titles).toHaveLength(50);
    expect([next.code, settled.code, fresh.code]).toEqual([0, 0, 0]);
    expect(next.stderr).toBe('');
    expect(settled.stdout).toMatch(/; 0 files written, \d+ unchanged, 0 deleted\n$/);
    const withoutManifest = (folder: string) => [...snapshot(join(dir, folder))].filter(([path]) => !path.startsWith('_publish/'));
    expect(withoutManifest('out')).toEqual(withoutManifest('fresh'));
  });
});
