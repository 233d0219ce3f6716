/**
 * The CLI as a user runs it. Usage errors, `validate` on awkward encodings and large
 * folders, output folders holding the user's own files or links, guard refusals on dry runs,
 * determinism across machines, and the real process: piped output, Ctrl-C, `npm run cli`.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { fakeIo, lines } from './helpers/cli-io.js';
import { buildCliBundle, runProcess } from './helpers/cli-process.js';
import { configFileJson, seedText } from './helpers/factory.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const NOW = '2026-03-01T00:00:00Z';

const SIX = Object.fromEntries(
  ['a', 'b', 'c', 'd', 'e', 'f'].map((letter, index) => [
    `2026-02-0${index + 1}-${letter}.txt`,
    seedText(`2026-02-0${index + 1}`, `Story ${letter.toUpperCase()}`, `Text of story ${letter}.`),
  ]),
);

let dir: string;

async function writeSeeds(files: Record<string, string | Buffer>, folder = 'seeds'): Promise<void> {
  await mkdir(join(dir, folder), { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, folder, name), content);
}

/** Every file under `folder` (dot files included; links listed as links, not followed) with its bytes. */
function snapshot(folder: string, options: { withoutManifest?: boolean } = {}): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      const key = relative(folder, full);
      if (options.withoutManifest && key.startsWith('_publish')) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isSymbolicLink()) files.set(key, 'link');
      else files.set(key, readFileSync(full).toString('base64'));
    }
  };
  walk(folder);
  return files;
}

/** `count` seeds, `bad` of them dated on a day that does not exist. */
function manySeeds(count: number, isBad: (index: number) => boolean): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `s${String(i).padStart(5, '0')}.txt`,
      isBad(i)
        ? seedText('2026-02-31', `Bad ${i}`, 'x.')
        : seedText(`2026-02-${String(1 + (i % 28)).padStart(2, '0')}`, `Story ${i}`, `Text ${i}.`),
    ]),
  );
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-use-'));
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson()));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('usage errors a user makes', () => {
  it.each([
    ['options before the command', ['--seeds', 'seeds', 'validate'], '--seeds'],
    ['a --version the CLI does not have', ['--version'], '--version'],
    ['a command in capitals', ['BUILD', '--out', 'out'], 'BUILD'],
  ])('exits 2 on %s, naming it on stderr first, with nothing on stdout and nothing written', async (_what, argv, named) => {
    await writeSeeds(SIX);
    const io = fakeIo(dir);

    const code = await runCli(argv, io);

    expect(code).toBe(2);
    expect(lines(io.err)[0]).toBe(`unknown command "${named}"`);
    expect(io.out).toEqual([]);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it.each([
    ['--force=yes', /^Option '--force' does not take an argument/],
    ['--dry-run=false', /^Option '--dry-run' does not take an argument/],
  ])('exits 2 on a boolean option given a value (%s), naming the option, writing nothing', async (arg, reason) => {
    await writeSeeds(SIX);
    const io = fakeIo(dir);

    const code = await runCli(['build', '--out', 'out', '--now', NOW, arg], io);

    expect(code).toBe(2);
    expect(lines(io.err)[0]).toMatch(reason);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('exits 2 on an empty --config, naming --config, rather than reading the working folder', async () => {
    await writeSeeds(SIX);
    const io = fakeIo(dir);

    const code = await runCli(['build', '--out', 'out', '--config', '', '--now', NOW], io);

    expect(code).toBe(2);
    expect(lines(io.err)).toEqual(['--config: the path is empty']);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it.each([['build'], ['validate']])('%s exits 2 when --seeds names a file, saying it is not a folder', async (command) => {
    await writeSeeds(SIX);
    const io = fakeIo(dir);
    const seedFile = join('seeds', '2026-02-01-a.txt');

    const code = await runCli([command, '--seeds', seedFile, ...(command === 'build' ? ['--out', 'out'] : [])], io);

    expect(code).toBe(2);
    expect(lines(io.err)).toEqual([`--seeds: ${join(dir, seedFile)} is not a folder`]);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('exits 2 with one line naming a config file that is not JSON, and writes nothing', async () => {
    await writeSeeds(SIX);
    await writeFile(join(dir, 'broken.json'), '{ "title": "Example News", }');
    const io = fakeIo(dir);

    const code = await runCli(['build', '--out', 'out', '--config', 'broken.json', '--now', NOW], io);

    expect(code).toBe(2);
    expect(lines(io.err)).toEqual([expect.stringMatching(new RegExp(`^cannot read ${join(dir, 'broken.json')}: .*JSON`))]);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('validate as a user runs it', () => {
  it('names each bad file at the right line whatever its encoding and line ends, and accepts good UTF-16 and BOM files', async () => {
    const bad = '\n\ndate 2026-02-30 Bad Day\n\nBody.\n';
    const utf16be = Buffer.from(bad, 'utf16le').swap16();
    await writeSeeds({
      'crlf.txt': bad.replace(/\n/g, '\r\n'),
      'bom.txt': `\uFEFF${bad}`,
      'cr.txt': bad.replace(/\n/g, '\r'),
      'u16le.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(bad, 'utf16le')]),
      'u16be.txt': Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]),
      'latin1.txt': Buffer.concat([Buffer.from('date 2026-02-01 Café\r\n\r\nLine\r\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a])]),
      'good-u16.txt': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('date 2026-02-01 Gööd\r\n\r\nBödy.\r\n', 'utf16le')]),
      'good-bom-crlf.txt': `\uFEFF${seedText('2026-02-02', 'Good', 'Body.').replace(/\n/g, '\r\n')}`,
    });
    const io = fakeIo(dir);

    const code = await runCli(['validate'], io);

    expect(code).toBe(1);
    expect(lines(io.out)).toEqual([
      'bom.txt:3: 2026-02-30 is not a date on the calendar',
      'cr.txt:3: 2026-02-30 is not a date on the calendar',
      'crlf.txt:3: 2026-02-30 is not a date on the calendar',
      'latin1.txt:4: the file is not valid UTF-8 text',
      'u16be.txt:3: 2026-02-30 is not a date on the calendar',
      'u16le.txt:3: 2026-02-30 is not a date on the calendar',
    ]);
    expect(lines(io.err)).toEqual(['2 of 8 articles are valid']);
  });

  it('checks a folder of 5,000 seeds: every bad one named once, in name order, and exit 0 once they are fixed', async () => {
    const seeds = manySeeds(5000, (i) => i % 1000 === 7);
    await writeSeeds(seeds);
    const io = fakeIo(dir);

    const code = await runCli(['validate'], io);
    for (const i of [7, 1007, 2007, 3007, 4007])
      await writeFile(join(dir, 'seeds', `s${String(i).padStart(5, '0')}.txt`), seedText('2026-02-01', `Fixed ${i}`, 'x.'));
    const fixed = fakeIo(dir);
    const fixedCode = await runCli(['validate'], fixed);

    expect(code).toBe(1);
    expect(lines(io.out)).toEqual(
      [7, 1007, 2007, 3007, 4007].map((i) => `s${String(i).padStart(5, '0')}.txt:1: 2026-02-31 is not a date on the calendar`),
    );
    expect(lines(io.err)).toEqual(['4995 of 5000 articles are valid']);
    expect(fixedCode).toBe(0);
    expect(fixed.out).toEqual([]);
    expect(lines(fixed.err)).toEqual(['5000 of 5000 articles are valid']);
  });

  it('prints one line per bad file even when a file name holds a newline', async () => {
    await writeSeeds({ 'bad\nname.txt': seedText('2026-02-30', 'X', 'x.'), 'plain.txt': seedText('2026-02-30', 'Y', 'y.') });
    const io = fakeIo(dir);

    const code = await runCli(['validate'], io);

    expect(code).toBe(1);
    expect(lines(io.out)).toHaveLength(2);
    for (const line of lines(io.out)) expect(line).toMatch(/^.+\.txt"?:1: 2026-02-30 is not a date on the calendar$/);
  });
});

describe('build into a folder the user already has', () => {
  it('creates a missing nested --out, and keeps the user’s own files through deletions, a lost manifest and --force', async () => {
    await writeSeeds(SIX);
    const own: Record<string, Buffer> = {
      'notes.txt': Buffer.from('my notes\n'),
      CNAME: Buffer.from('news.example.org\n'),
      '.git/config': Buffer.from('[core]\n\tbare = false\n'),
      'images/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
      'articles/custom.html': Buffer.from('<p>A page I wrote myself.</p>\n'),
    };
    const out = join('sites', 'news', 'public');
    const build = ['build', '--out', out, '--now', NOW];

    const codes = [await runCli(build, fakeIo(dir))];
    for (const [path, content] of Object.entries(own)) {
      await mkdir(join(dir, out, path, '..'), { recursive: true });
      await writeFile(join(dir, out, path), content);
    }
    codes.push(await runCli(build, fakeIo(dir)));
    await rm(join(dir, 'seeds', '2026-02-01-a.txt'));
    await rm(join(dir, out, '_publish'), { recursive: true });
    const lost = fakeIo(dir);
    codes.push(await runCli(build, lost));
    codes.push(await runCli([...build, '--force'], fakeIo(dir)));

    expect(codes).toEqual([0, 0, 0, 0]);
    const after = snapshot(join(dir, out));
    for (const [path, content] of Object.entries(own)) expect(after.get(path), path).toBe(content.toString('base64'));
    expect(existsSync(join(dir, out, 'articles', '2026-02-01-story-a.html'))).toBe(false);
    expect(readdirSync(join(dir, out, 'articles')).sort()).toEqual([
      '2026-02-02-story-b.html',
      '2026-02-03-story-c.html',
      '2026-02-04-story-d.html',
      '2026-02-05-story-e.html',
      '2026-02-06-story-f.html',
      'custom.html',
    ]);
  });

  it('refuses, exit 2, an --out that is a symbolic link to the seeds folder, and writes nothing', async () => {
    await writeSeeds(SIX);
    await symlink(join(dir, 'seeds'), join(dir, 'site'));
    const before = snapshot(dir);
    const io = fakeIo(dir);

    const code = await runCli(['build', '--out', 'site', '--now', NOW], io);

    expect(code).toBe(2);
    expect(lines(io.err)).toEqual([expect.stringMatching(/^--seeds \S+ is (the same folder as|inside) --out \S+: the seed files/)]);
    expect(snapshot(dir)).toEqual(before);
  });

  it('never writes into the seeds folder through a subfolder of --out that links to it', async () => {
    await writeSeeds({ ...SIX, '2026-03-05-held.txt': seedText('2026-03-05', 'Embargoed', 'Not before the 5th.') });
    await mkdir(join(dir, 'site'));
    await symlink(join(dir, 'seeds'), join(dir, 'site', 'articles'));
    const seedsBefore = readdirSync(join(dir, 'seeds')).sort();
    const io = fakeIo(dir);

    const code = await runCli(['build', '--out', 'site', '--now', NOW], io);

    // The build fails naming the link, and writes nothing through it.
    expect(code).toBe(1);
    expect(io.err.join('\n')).toContain('is a symbolic link, which the site folder does not follow');
    expect(readdirSync(join(dir, 'seeds')).sort()).toEqual(seedsBefore);
  });
});

describe('the unpublish guard on a dry run', () => {
  it('exits 1 on --dry-run as the real build would, saying so with the --force hint; --dry-run --force lists the deletions, exit 0; nothing changes', async () => {
    await writeSeeds(SIX);
    expect(await runCli(['build', '--out', 'out', '--now', NOW], fakeIo(dir))).toBe(0);
    for (const name of ['2026-02-01-a.txt', '2026-02-02-b.txt', '2026-02-03-c.txt']) await rm(join(dir, 'seeds', name));
    const before = snapshot(join(dir, 'out'));
    const dry = fakeIo(dir);
    const forcedDry = fakeIo(dir);

    const dryCode = await runCli(['build', '--out', 'out', '--now', NOW, '--dry-run'], dry);
    const forcedDryCode = await runCli(['build', '--out', 'out', '--now', NOW, '--dry-run', '--force'], forcedDry);

    expect(dryCode).toBe(1);
    expect(dry.out).toEqual([]);
    expect(lines(dry.err)).toEqual([
      expect.stringMatching(/would unpublish 3 of 6 published articles.*UNPUBLISH_MAX_SHARE/),
      'To see every page it would delete: the same build with --dry-run --force; to publish it anyway: with --force',
    ]);
    expect(forcedDryCode).toBe(0);
    expect(lines(forcedDry.out).filter((line) => line.startsWith('would delete '))).toEqual([
      'would delete articles/2026-02-01-story-a.html',
      'would delete articles/2026-02-02-story-b.html',
      'would delete articles/2026-02-03-story-c.html',
    ]);
    expect(lines(forcedDry.out).at(-1)).toMatch(/^dry run, nothing written: 3 articles published .*3 to delete$/);
    expect(snapshot(join(dir, 'out'))).toEqual(before);
  });
});

/** The real process, bundled from the current sources. */
describe('the CLI as a process', () => {
  let bundle: Awaited<ReturnType<typeof buildCliBundle>> | undefined;
  let script: string;

  beforeAll(async () => {
    bundle = await buildCliBundle('cli-use-bundle-');
    script = bundle.script;
  });

  afterAll(async () => {
    await bundle?.remove();
  });

  const cli = (args: readonly string[], env?: Record<string, string>) =>
    runProcess(process.execPath, [script, ...args], dir, env ? { env } : {});

  it('validate prints every bad file to a pipe (`cli validate | grep`), not only the first few hundred', async () => {
    await writeSeeds(manySeeds(3000, () => true));

    const ran = await cli(['validate']);

    expect(ran.code).toBe(1);
    expect(lines([ran.stderr])).toEqual(['0 of 3000 articles are valid']);
    expect(lines([ran.stdout])).toHaveLength(3000);
  });

  it('build gives every rejected seed on piped stderr, and a dry run every file and its summary on piped stdout', async () => {
    await writeSeeds(manySeeds(4500, (i) => i % 3 === 2));

    const dry = await cli(['build', '--out', 'out', '--now', NOW, '--dry-run']);
    const real = await cli(['build', '--out', 'out', '--now', NOW]);

    expect([dry.code, real.code]).toEqual([0, 0]);
    const dryOut = lines([dry.stdout]);
    expect(dryOut.at(-1)).toMatch(/^dry run, nothing written: 3000 articles published .*; (\d+) files to write, 0 unchanged, 0 to delete$/);
    const toWrite = Number(/; (\d+) files to write/.exec(dryOut.at(-1) ?? '')?.[1]);
    expect(dryOut.filter((line) => line.startsWith('would write '))).toHaveLength(toWrite);
    expect(lines([real.stderr]).filter((line) => / is not a date on the calendar$/.test(line))).toHaveLength(1500);
    expect(lines([real.stdout])).toEqual([expect.stringMatching(/^3000 articles published to .* 1500 rejected, 0 held\)/)]);
  });

  it('writes the same bytes on machines in other time zones and locales, with a feed time zone, held articles and non-ASCII titles', async () => {
    await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson({ timeZone: 'America/Sao_Paulo', publishTime: '18:30' })));
    await writeSeeds({
      '2026-02-01-kyiv.txt': seedText('2026-02-01', 'Київ: міст відкрито', 'Новий міст з’єднав два райони.'),
      '2026-02-02-izmir.txt': seedText('2026-02-02', 'İzmir’de IŞIK festivali', 'Şehir ışıklarla doldu.'),
      '2026-02-03-emoji.txt': seedText('2026-02-03', 'Family 👨‍👩‍👧 Day', 'Ünïcödé everywhere.'),
      '2026-03-01-due.txt': seedText('2026-03-01', 'Due This Evening', 'Due at 18:30 in São Paulo.'),
      '2026-03-02-held.txt': seedText('2026-03-02', 'Held Until Monday', 'Not yet.'),
    });
    const now = '2026-03-01T22:00:00Z';

    const one = await cli(['build', '--out', 'one', '--now', now], { TZ: 'UTC', LANG: 'C' });
    const two = await cli(['build', '--out', 'two', '--now', now], { TZ: 'Asia/Kathmandu', LANG: 'ja_JP.UTF-8', LC_ALL: 'tr_TR.UTF-8' });

    expect([one.code, two.code]).toEqual([0, 0]);
    expect(lines([one.stderr])).toEqual(['2026-03-02-held.txt: held until 2026-03-02']);
    const titles = (JSON.parse(await readFile(join(dir, 'one', 'feed.json'), 'utf8')) as { items: { title: string }[] }).items.map(
      (item) => item.title,
    );
    expect(titles).toEqual(['Due This Evening', 'Family 👨‍👩‍👧 Day', 'İzmir’de IŞIK festivali', 'Київ: міст відкрито']);
    expect(snapshot(join(dir, 'two'), { withoutManifest: true })).toEqual(snapshot(join(dir, 'one'), { withoutManifest: true }));
  });

  it('stops on Ctrl-C (SIGINT) without a stack trace, and the next build ends with the bytes of a fresh build', async () => {
    await writeSeeds(manySeeds(3000, () => false));
    const child = spawn(process.execPath, [script, 'build', '--out', 'out', '--now', NOW], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveClose) =>
      child.on('close', (code, signal) => resolveClose({ code, signal })),
    );
    // Interrupt once the build is writing pages.
    for (let i = 0; i < 400 && !(existsSync(join(dir, 'out', 'articles')) && readdirSync(join(dir, 'out', 'articles')).length > 50); i++) {
      await new Promise((wait) => setTimeout(wait, 10));
    }
    child.kill('SIGINT');
    const interrupted = await closed;

    const resumed = await cli(['build', '--out', 'out', '--now', NOW]);
    const fresh = await cli(['build', '--out', 'fresh', '--now', NOW]);

    expect(interrupted.signal === 'SIGINT' || interrupted.code === 130).toBe(true);
    expect(existsSync(join(dir, 'out', '_publish', 'manifest.json'))).toBe(true);
    expect(stderr).not.toMatch(/^\s+at .*:\d+:\d+\)?$/m);
    expect([resumed.code, fresh.code]).toEqual([0, 0]);
    // The killed build's temp file may stay until a build runs when it is over 10 s old (README, "a build killed part way").
    const site = new Map([...snapshot(join(dir, 'out'), { withoutManifest: true })].filter(([key]) => !key.includes('.~tmp-')));
    expect(site).toEqual(snapshot(join(dir, 'fresh'), { withoutManifest: true }));
  });

  it('`npm run cli` runs the esbuild bundle with plain node (no tsx) and passes its exit code through', async () => {
    // A copy of the repository's sources, sharing its node_modules, so the repository's dist/ is not rebuilt.
    const repo = join(dir, 'repo');
    await mkdir(repo);
    for (const name of ['package.json', 'tsconfig.json', 'feed.config.json', 'scripts', 'src', 'handlers']) {
      await cp(join(repoRoot, name), join(repo, name), { recursive: true });
    }
    await symlink(join(repoRoot, 'node_modules'), join(repo, 'node_modules'));
    await writeSeeds({ ...SIX, 'zz-bad.txt': seedText('2026-02-30', 'No Such Day', 'x.') }, join('repo', 'seeds'));
    const script = (JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.cli!;
    const npm = (args: string[]) => runProcess('npm', ['run', '--silent', 'cli', '--', ...args], repo, { env: { HOME: dir } });

    const unknown = await npm(['bogus']);
    const validated = await npm(['validate']);
    const built = await npm(['build', '--out', 'public', '--now', NOW]);

    expect(script).not.toMatch(/\btsx\b/);
    expect(script).toMatch(/node (--\S+ )*dist\/cli\/index\.mjs$/);
    expect(lstatSync(join(repo, 'dist', 'cli', 'index.mjs')).isFile()).toBe(true);
    expect(unknown.code).toBe(2);
    expect(lines([unknown.stderr])[0]).toBe('unknown command "bogus"');
    expect(validated.code).toBe(1);
    expect(lines([validated.stdout])).toEqual(['zz-bad.txt:1: 2026-02-30 is not a date on the calendar']);
    expect(built.code).toBe(0);
    expect(lines([built.stdout])).toEqual([expect.stringMatching(/^6 articles published to .*repo\/public \(/)]);
  });
});
