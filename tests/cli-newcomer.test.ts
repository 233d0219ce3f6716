/**
 * A newcomer following README "Command line" literally: why nothing was published, mistakes in
 * folders and in feed.config.json, --now as other tools write it, a refused dry run, paths from
 * where `npm run cli` was typed, and a linked folder. Driven in-process through runCli where it
 * can be, else as the real bundle.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.js';
import { fakeIo, lines } from './helpers/cli-io.js';
import { buildCliBundle, runProcess } from './helpers/cli-process.js';
import { configFileJson, seedText } from './helpers/factory.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const BUILD = ['build', '--seeds', 'seeds', '--out', 'public', '--now', '2026-03-01T00:00:00Z'];

let dir: string;

async function writeSeeds(files: Record<string, string>, folder = 'seeds'): Promise<void> {
  await mkdir(join(dir, folder), { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, folder, name), content);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-newcomer-'));
  await writeFile(join(dir, 'feed.config.json'), JSON.stringify(configFileJson()));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cli build: why nothing was published', () => {
  it('names the held article and its day when every article is held', async () => {
    await writeSeeds({ 'tomorrow.txt': seedText('2026-03-02', 'Tomorrow’s News', 'Written a day early.') });
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code).toBe(1);
    expect(lines(io.err).join('\n')).toContain('tomorrow.txt: held until 2026-03-02');
  });

  it('names a skipped *.txt entry when it is why no article was found', async () => {
    await mkdir(join(dir, 'seeds'));
    await writeFile(join(dir, 'elsewhere.md'), seedText('2026-02-01', 'Linked', 'A link, not a file.'));
    await symlink(join(dir, 'elsewhere.md'), join(dir, 'seeds', 'linked.txt'));
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code).toBe(1);
    expect(lines(io.err).join('\n')).toMatch(/linked\.txt: skipped/);
  });

  it('says which folder held no *.txt seed when none was found', async () => {
    await writeSeeds({ 'first.md': seedText('2026-02-01', 'Markdown', 'Saved with the wrong extension.') });
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code).toBe(1);
    const said = lines(io.err).join('\n');
    expect(said).toContain(join(dir, 'seeds'));
    expect(said).toContain('*.txt');
  });
});

describe('cli build: mistakes in folders', () => {
  it('says that --out is a file, not a folder', async () => {
    await writeSeeds({ 'a.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams run again.') });
    await writeFile(join(dir, 'public'), 'a file where the site folder should be');
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code).not.toBe(0);
    const said = lines(io.err).join('\n');
    expect(said).toContain('--out');
    expect(said).toMatch(/not a folder|not a directory/);
    expect(said).not.toContain('bucket');
  });
});

describe('cli build: feed.config.json', () => {
  it('reports a config file that does not parse together with a wrong environment variable', async () => {
    await writeSeeds({ 'a.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams run again.') });
    await writeFile(join(dir, 'feed.config.json'), '{\n  "title": "Example News",\n}\n');
    const io = fakeIo(dir, { env: { MAX_SEED_BYTES: 'lots' } });

    const code = await runCli(BUILD, io);

    expect(code).not.toBe(0);
    const said = lines(io.err).join('\n');
    expect(said).toContain('feed.config.json');
    expect(said).toContain('MAX_SEED_BYTES');
  });

  it('says on which line feed.config.json stops being JSON', async () => {
    await writeSeeds({ 'a.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams run again.') });
    await writeFile(join(dir, 'feed.config.json'), '{\n  "title": "Example News",\n}\n');
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code).toBe(2);
    expect(lines(io.err).join('\n')).toMatch(/line 3/);
  });

  it('names --config when feed.config.json is not there', async () => {
    await rm(join(dir, 'feed.config.json'));
    await writeSeeds({ 'a.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams run again.') });
    const io = fakeIo(dir);

    const code = await runCli(BUILD, io);

    expect(code).toBe(2);
    expect(lines(io.err).join('\n')).toContain('--config');
  });
});

describe('cli build --now', () => {
  it('takes a day and time with its zone as Python isoformat() writes it', async () => {
    await writeSeeds({ 'a.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams run again.') });
    const io = fakeIo(dir);

    const code = await runCli(['build', '--seeds', 'seeds', '--out', 'public', '--now', '2026-03-01T09:00:00.123456+00:00'], io);

    expect(lines(io.err)).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('cli build --dry-run', () => {
  it('says how to see every page a refused unpublish would delete', async () => {
    await writeSeeds({
      'a.txt': seedText('2026-02-01', 'Tram Line Reopens', 'Trams run again.'),
      'b.txt': seedText('2026-02-02', 'Bridge Opens', 'A footbridge links two districts.'),
    });
    expect(await runCli(BUILD, fakeIo(dir))).toBe(0);
    await rm(join(dir, 'seeds', 'a.txt'));
    const io = fakeIo(dir);

    const code = await runCli([...BUILD, '--dry-run'], io);

    expect(code).toBe(1);
    expect(lines(io.err).at(-1)).toMatch(/To see every page it would delete: the same build with --dry-run --force/);
  });
});

describe('the CLI as a process', () => {
  let bundle: { readonly script: string; remove(): Promise<void> };
  let links: string;

  beforeAll(async () => {
    bundle = await buildCliBundle('cli-newcomer-bundle-');
    links = await mkdtemp(join(tmpdir(), 'cli-newcomer-links-'));
  });

  afterAll(async () => {
    await bundle?.remove();
    if (links) await rm(links, { recursive: true, force: true });
  });

  it('resolves relative paths against the folder npm run cli was typed in (INIT_CWD)', async () => {
    const typedIn = join(dir, 'work');
    await writeSeeds({ 'broken.txt': 'not a header\n' }, join('work', 'newcomer-seeds'));

    // What `cd $typedIn && npm run cli -- validate --seeds newcomer-seeds` does: node in the package root, INIT_CWD set.
    const ran = await runProcess(process.execPath, [bundle.script, 'validate', '--seeds', 'newcomer-seeds'], repoRoot, {
      env: { INIT_CWD: typedIn, npm_lifecycle_event: 'cli' },
    });

    expect(ran.stderr).not.toContain('does not exist');
    expect(ran.stdout).toContain('broken.txt:1:');
    expect(ran.code).toBe(1);
  });

  it('runs when its path goes through a symbolic link', async () => {
    const linked = join(links, 'linked-bundle');
    await symlink(join(bundle.script, '..'), linked);

    const ran = await runProcess(process.execPath, [join(linked, 'index.mjs'), '--help'], dir);

    expect(ran.stdout).toContain('Usage: npm run cli');
    expect(ran.code).toBe(0);
  });
});
