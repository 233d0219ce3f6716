/**
 * `cli build` on real folders, through the real process (the CLI bundled from the
 * current sources): incremental runs after hand edits to seeds and output files, interrupted
 * runs, --dry-run against the run that follows it, determinism, unreadable seeds, leftovers of a
 * killed run, a lost manifest, and the seeds-inside-output guard.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lines } from './helpers/cli-io.js';
import { buildCliBundle, type Ran, runProcess } from './helpers/cli-process.js';
import { configFileJson, seedText } from './helpers/factory.js';

const NOW = '2026-03-01T00:00:00Z';

/** Six seeds, so that deleting one stays under the default UNPUBLISH_MAX_SHARE of 20 %. */
const SIX = Object.fromEntries(
  ['a', 'b', 'c', 'd', 'e', 'f'].map((letter, index) => [
    `2026-02-0${index + 1}-${letter}.txt`,
    seedText(`2026-02-0${index + 1}`, `Story ${letter.toUpperCase()}`, `Text of story ${letter}.`, `More about story ${letter}.`),
  ]),
);

/** When run as root, permission tests run the CLI as "nobody", since root ignores file modes. */
const AS_ROOT = process.getuid?.() === 0;
const NOBODY = AS_ROOT ? { uid: 65534, gid: 65534 } : undefined;

let dir: string;
let bundle: Awaited<ReturnType<typeof buildCliBundle>> | undefined;
let cliBundle: string;

const cli = (args: readonly string[], options: { user?: { uid: number; gid: number }; env?: Record<string, string> } = {}) =>
  runProcess(process.execPath, [cliBundle, ...args], dir, options);

const build = (out = 'out', seeds = 'seeds', extra: readonly string[] = []) => [
  'build',
  '--seeds',
  seeds,
  '--out',
  out,
  '--now',
  NOW,
  ...extra,
];

async function writeSeeds(files: Record<string, string | Buffer>, folder = 'seeds'): Promise<void> {
  await mkdir(join(dir, folder), { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, folder, name), content);
}

/** Every file under `folder` (dot files and subfolders included) with its bytes, keyed by relative path. */
function snapshot(folder: string, options: { withoutManifest?: boolean; withStat?: boolean } = {}): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      const key = relative(folder, full);
      if (options.withoutManifest && key.startsWith('_publish')) continue;
      if (entry.isDirectory()) walk(full);
      else {
        const info = lstatSync(full);
        const stat = options.withStat ? ` ${info.ino} ${info.mtimeMs} ${info.mode}` : '';
        files.set(key, `${readFileSync(full).toString('base64')}${stat}`);
      }
    }
  };
  walk(folder);
  return files;
}

/** Summary line numbers: files written, unchanged, deleted. */
function counts(ran: Ran): { written: number; unchanged: number; deleted: number } {
  const match = /; (\d+) files (?:written|to write), (\d+) unchanged, (\d+) (?:deleted|to delete)$/.exec(lines([ran.stdout]).at(-1) ?? '');
  if (!match) throw new Error(`no summary line in ${JSON.stringify(ran)}`);
  return { written: Number(match[1]), unchanged: Number(match[2]), deleted: Number(match[3]) };
}

/** Gives every file and folder under `path` (itself included) to `user`. */
async function chownTree(path: string, user: { uid: number; gid: number }): Promise<void> {
  await chown(path, user.uid, user.gid);
  if (!lstatSync(path).isDirectory()) return;
  for (const name of readdirSync(path)) await chownTree(join(path, name), user);
}

function jsonTitles(outDir: string): string[] {
  return (JSON.parse(readFileSync(join(dir, outDir, 'feed.json'), 'utf8')) as { items: { title: string }[] }).items.map(
    (item) => item.title,
  );
}

beforeAll(async () => {
  bundle = await buildCliBundle('feedpress-cli-folders-bundle-');
  cliBundle = bundle.script;
});

afterAll(async () => {
  await bundle?.remove();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'feedpress-cli-folders-'));
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson()));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cli build, incremental, after hand edits in the seeds folder', () => {
  it('writes nothing for a seed touched, re-saved with a BOM and CRLF line ends, or saved as UTF-16, with the same text', async () => {
    // Prepare
    await writeSeeds(SIX);
    expect((await cli(build())).code).toBe(0);
    const before = snapshot(join(dir, 'out'), { withoutManifest: true, withStat: true });
    const later = new Date('2030-01-01T00:00:00Z');
    await utimes(join(dir, 'seeds', '2026-02-01-a.txt'), later, later);
    await writeFile(join(dir, 'seeds', '2026-02-02-b.txt'), `\uFEFF${SIX['2026-02-02-b.txt']!.replace(/\n/g, '\r\n')}`);
    await writeFile(
      join(dir, 'seeds', '2026-02-03-c.txt'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SIX['2026-02-03-c.txt']!, 'utf16le')]),
    );

    // Act
    const ran = await cli(build());

    // Assess: no file rewritten, not even with the same bytes.
    expect(ran.code).toBe(0);
    expect(ran.stderr).toBe('');
    expect(counts(ran).written).toBe(0);
    expect(snapshot(join(dir, 'out'), { withoutManifest: true, withStat: true })).toEqual(before);
  });

  it('brings back a deleted seed at its old page address, and the folder ends as a fresh build of the same seeds', async () => {
    // Prepare
    await writeSeeds(SIX);
    expect((await cli(build())).code).toBe(0);
    await rename(join(dir, 'seeds', '2026-02-03-c.txt'), join(dir, 'c.txt.bak'));
    const removed = await cli(build());
    await rename(join(dir, 'c.txt.bak'), join(dir, 'seeds', '2026-02-03-c.txt'));

    // Act
    const restored = await cli(build());
    const fresh = await cli(build('fresh'));

    // Assess
    expect([removed.code, restored.code, fresh.code]).toEqual([0, 0, 0]);
    expect(counts(removed).deleted).toBe(1);
    expect(existsSync(join(dir, 'out', 'articles', '2026-02-03-story-c.html'))).toBe(true);
    expect(snapshot(join(dir, 'out'), { withoutManifest: true })).toEqual(snapshot(join(dir, 'fresh'), { withoutManifest: true }));
  });
});

describe('cli build, incremental, after hand edits in the output folder', () => {
  it('restores, on a plain run, a page, a feed and a whole articles/ folder deleted or edited by hand, to the bytes of a fresh build', async () => {
    // Prepare
    await writeSeeds(SIX);
    expect((await cli(build())).code).toBe(0);
    const before = snapshot(join(dir, 'out'), { withoutManifest: true });
    await writeFile(join(dir, 'out', 'rss.xml'), '<rss>edited by hand</rss>');
    await rm(join(dir, 'out', 'feed.json'));
    await writeFile(join(dir, 'out', 'articles', '2026-02-04-story-d.html'), 'x');

    // Act
    const repaired = await cli(build());
    await rm(join(dir, 'out', 'articles'), { recursive: true });
    const refilled = await cli(build());
    const settled = await cli(build());

    // Assess
    expect([repaired.code, refilled.code, settled.code]).toEqual([0, 0, 0]);
    expect(counts(repaired).written).toBe(3);
    expect(counts(refilled).written).toBe(6);
    expect(counts(settled).written).toBe(0);
    expect(snapshot(join(dir, 'out'), { withoutManifest: true })).toEqual(before);
  });

  // A deleted _publish/ folder looks like a cache to clear; the article deleted at the same time
  // is named in the feed.json the run reads back, yet its page is never removed.
  it('deletes the page of a seed removed while _publish/ was deleted, as a run with its manifest would', async () => {
    // Prepare
    await writeSeeds(SIX);
    expect((await cli(build())).code).toBe(0);
    await rm(join(dir, 'out', '_publish'), { recursive: true });
    await rm(join(dir, 'seeds', '2026-02-03-c.txt'));

    // Act
    const first = await cli(build());
    const second = await cli(build());

    // Assess
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(jsonTitles('out')).not.toContain('Story C');
    expect(readdirSync(join(dir, 'out', 'articles'))).not.toContain('2026-02-03-story-c.html');
  });

  // A build stopped by Ctrl-C or kill during a write leaves its temp file (seen in 4 of 6
  // SIGKILLs of a 3,000-seed build): written here as such a build leaves it.
  it('removes the temp file a killed build left in the output folder on the next plain run', async () => {
    // Prepare
    await writeSeeds(SIX);
    expect((await cli(build())).code).toBe(0);
    const leftover = join(dir, 'out', 'articles', '.~tmp-5dd97fe7-5179-4780-9c30-6ee676e9022f');
    await writeFile(leftover, '<!DOCTYPE html><html lang="en"><head><title>Story');
    // Left by a build killed a minute ago; a write in flight, a moment old, is not touched.
    const minuteAgo = new Date(Date.now() - 60_000);
    await utimes(leftover, minuteAgo, minuteAgo);
    const inFlight = join(dir, 'out', 'articles', '.~tmp-00000000-0000-4000-8000-000000000000');
    await writeFile(inFlight, 'being written');
    await writeSeeds({ '2026-02-07-g.txt': seedText('2026-02-07', 'Story G', 'Text of story g.') });

    // Act: the write in flight a moment old as each build starts, however long the last one took
    await utimes(inFlight, new Date(), new Date());
    const plain = await cli(build());
    await utimes(inFlight, new Date(), new Date());
    const forced = await cli(build('out', 'seeds', ['--force']));

    // Assess
    expect([plain.code, forced.code]).toEqual([0, 0]);
    expect(readdirSync(join(dir, 'out', 'articles')).filter((name) => name.startsWith('.~tmp-'))).toEqual([
      '.~tmp-00000000-0000-4000-8000-000000000000',
    ]);
  });
});

describe('cli build interrupted part way', () => {
  it('fails naming the file when articles/ cannot be written, then converges, on a plain run, to a fresh build', async () => {
    // Prepare: a site built by the user who runs the builds; then a new seed, and articles/ locked.
    await writeSeeds(SIX);
    await rename(join(dir, 'seeds', '2026-02-06-f.txt'), join(dir, 'f.txt.later'));
    if (NOBODY) await chownTree(dir, NOBODY);
    expect((await cli(build(), { user: NOBODY })).code).toBe(0);
    await rename(join(dir, 'f.txt.later'), join(dir, 'seeds', '2026-02-06-f.txt'));
    await chmod(join(dir, 'out', 'articles'), 0o555);

    // Act
    let failed: Ran;
    try {
      failed = await cli(build(), { user: NOBODY });
    } finally {
      await chmod(join(dir, 'out', 'articles'), 0o755);
    }
    const resumed = await cli(build(), { user: NOBODY });
    const fresh = await cli(build('fresh'), { user: NOBODY });

    // Assess
    expect(failed.code).toBe(1);
    expect(lines([failed.stderr])).toEqual([expect.stringMatching(/articles\/2026-02-06-story-f\.html.*EACCES/)]);
    expect(failed.stdout).toBe('');
    expect([resumed.code, fresh.code]).toEqual([0, 0]);
    expect(jsonTitles('out')[0]).toBe('Story F');
    expect(snapshot(join(dir, 'out'), { withoutManifest: true })).toEqual(snapshot(join(dir, 'fresh'), { withoutManifest: true }));
  });
});

describe('cli build --dry-run against the run that follows it', () => {
  it('lists exactly the files the next real build writes and deletes, and leaves every byte, inode and time of the folder as it was', async () => {
    // Prepare: an edit, a new seed and a deleted one, on a built site.
    await writeSeeds(SIX);
    expect((await cli(build())).code).toBe(0);
    await writeSeeds({
      '2026-02-02-b.txt': seedText('2026-02-02', 'Story B, Corrected', 'Text of story b, corrected.'),
      '2026-02-07-g.txt': seedText('2026-02-07', 'Story G', 'Text of story g.'),
    });
    await rm(join(dir, 'seeds', '2026-02-01-a.txt'));
    const before = snapshot(join(dir, 'out'), { withStat: true });

    // Act
    const dry = await cli(build('out', 'seeds', ['--dry-run']));
    const after = snapshot(join(dir, 'out'), { withStat: true });
    const real = await cli(build());

    // Assess
    expect([dry.code, real.code]).toEqual([0, 0]);
    expect(after).toEqual(before);
    const listed = lines([dry.stdout]).filter((line) => line.startsWith('would '));
    expect(listed.filter((line) => line.startsWith('would write'))).toHaveLength(counts(real).written);
    expect(listed.filter((line) => line.startsWith('would delete'))).toEqual(['would delete articles/2026-02-01-story-a.html']);
    expect(counts(dry)).toEqual(counts(real));
    for (const line of listed.filter((entry) => entry.startsWith('would write'))) {
      expect(existsSync(join(dir, 'out', line.slice('would write '.length))), line).toBe(true);
    }
  });
});

describe('cli build output determinism', () => {
  it('writes the same bytes for the same seeds, whatever the copy of the seeds, the output path, --now, TZ and locale', async () => {
    // Prepare
    await writeSeeds(SIX);
    await cp(join(dir, 'seeds'), join(dir, 'other seeds'), { recursive: true });

    // Act
    const one = await cli(build('one'), { env: { TZ: 'UTC' } });
    const two = await cli(['build', '--seeds', 'other seeds/', '--out', 'two with space/', '--now', '2027-06-15T23:30:00-05:00'], {
      env: { TZ: 'Pacific/Kiritimati', LC_ALL: 'tr_TR.UTF-8', LANG: 'de_DE.UTF-8' },
    });

    // Assess: everything but the manifest, which records the run's own clock and file signatures.
    expect([one.code, two.code]).toEqual([0, 0]);
    const first = snapshot(join(dir, 'one'), { withoutManifest: true });
    expect(first.size).toBe(12);
    expect(snapshot(join(dir, 'two with space'), { withoutManifest: true })).toEqual(first);
    for (const [path, content] of first) expect(Buffer.from(content, 'base64').toString('utf8'), path).not.toContain(dir);
  });
});

describe('cli build with a seeds folder inside the output folder', () => {
  // `relative(out, seeds)` is "..seeds" here, which the guard reads as "outside" since it starts with "..".
  it('refuses a seeds folder whose name starts with ".." inside the output folder, and writes nothing', async () => {
    // Prepare
    await writeSeeds(SIX, 'site/..seeds');
    const before = snapshot(dir);

    // Act
    const ran = await cli(build('site', 'site/..seeds'));

    // Assess
    expect(ran.code).toBe(2);
    expect(lines([ran.stderr])).toEqual([expect.stringMatching(/^--seeds \S+ is inside --out \S+: the seed files/)]);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('cli with a seed the user running it cannot read', () => {
  const unreadable = async () => {
    await writeSeeds({ ...SIX, 'zz-bad.txt': seedText('2026-02-30', 'No Such Day', 'x.') });
    if (NOBODY) await chownTree(dir, NOBODY);
    await chmod(join(dir, 'seeds', '2026-02-03-c.txt'), 0o000);
  };

  it('build names the unreadable seed and its reason, and still publishes the others (exit 0)', async () => {
    // Prepare
    await unreadable();

    // Act
    const ran = await cli(build(), { user: NOBODY });

    // Assess
    expect(ran.code).toBe(0);
    expect(lines([ran.stderr])).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^2026-02-03-c\.txt(:\d+)?: .*(EACCES|permission)/i),
        expect.stringMatching(/^zz-bad\.txt:1: /),
      ]),
    );
    expect(jsonTitles('out')).toEqual(['Story F', 'Story E', 'Story D', 'Story B', 'Story A']);
  });

  it('validate lists the unreadable seed among the bad files, checks the others and counts them', async () => {
    // Prepare
    await unreadable();

    // Act
    const ran = await cli(['validate'], { user: NOBODY });

    // Assess
    expect(ran.code).toBe(1);
    expect(lines([ran.stdout])).toEqual([
      expect.stringMatching(/^2026-02-03-c\.txt(:\d+)?: /),
      'zz-bad.txt:1: 2026-02-30 is not a date on the calendar',
    ]);
    expect(lines([ran.stderr]).at(-1)).toBe('5 of 7 articles are valid');
  });
});
