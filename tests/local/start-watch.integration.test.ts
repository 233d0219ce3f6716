/**
 * `npm start` while it serves: a seed or feed.config.json saved in an editor is republished,
 * only what changed is written, and a save that cannot be published leaves the site as it was.
 * `startLocal` and `republishOnChange` in-process on a throw-away checkout, with the real file
 * watcher, read over HTTP as a feed reader reads them. What the bundle's entry point wires
 * (watching, `--no-watch`) is in serving-edges.integration.test.ts, beside its other child processes.
 */
import { readdir, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { republishOnChange, type Started, startLocal } from '../../src/local/start.js';
import type { ChangeWatcher } from '../../src/local/watch.js';
import { seed, type TempDir } from '../publish/support.js';
import { checkout, eventually, saveWhole } from './support.js';

const QUIET_MS = 100;

interface JsonFeed {
  readonly title: string;
  readonly items: readonly { readonly title?: string; readonly url: string }[];
}

describe('npm start republishes what is saved while it serves (in-process)', () => {
  let dir: TempDir;
  let started: Started;
  let watcher: ChangeWatcher;
  const out: string[] = [];
  const err: string[] = [];
  let io: Parameters<typeof startLocal>[1];
  const rssText = async () => (await fetch(`${started.siteUrl}rss.xml`)).text();
  const jsonFeed = async () => (await (await fetch(`${started.siteUrl}feed.json`)).json()) as JsonFeed;
  const titles = (feed: JsonFeed) => feed.items.map((item) => item.title);

  beforeEach(async () => {
    // Prepare (shared): a checkout published and served, its changes watched.
    dir = await checkout('npm-start-watch-');
    out.length = 0;
    err.length = 0;
    io = { cwd: dir.path, env: {}, stdout: (line: string) => out.push(line), stderr: (line: string) => err.push(line) };
    const result = await startLocal(['--port', '0'], io);
    expect(result.code, err.join('\n')).toBe(0);
    started = result.started!;
    watcher = republishOnChange(started, io, { quietMs: QUIET_MS });
    out.length = 0;
  });

  afterEach(async () => {
    await watcher?.close();
    await started?.server.close();
    await dir.remove();
  });

  it('publishes a seed saved into the folder, writing only what depends on it', async () => {
    // Act
    await saveWhole(
      join(dir.path, 'seeds', '2026-11-20-watched.txt'),
      seed('2026-11-20', 'Saved While Serving', 'It appears in the feeds.'),
    );

    // Assess: in the served feeds, with its page, and the run said what it wrote
    const feed = await eventually(jsonFeed, (json) => titles(json).includes('Saved While Serving'), 'the new article in feed.json');
    expect(await rssText()).toContain('Saved While Serving');
    const item = feed.items.find((entry) => entry.title === 'Saved While Serving')!;
    const page = await fetch(item.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('It appears in the feeds.');
    const line = await eventually(
      async () => out.join('\n'),
      (text) => /republished: \d+ objects written/.test(text),
      'the report',
    );
    const written = Number(/republished: (\d+) objects written, 0 deleted/.exec(line)?.[1]);
    // Its page, the index and the three feeds: not every page again.
    expect(written).toBe(5);
    expect(started.summary.objects.written).toBeGreaterThan(written);
  });

  it('says nothing for a save that changes nothing', async () => {
    // Prepare
    const [first] = (await readdir(join(dir.path, 'seeds'))).filter((name) => name.endsWith('.txt'));
    const file = join(dir.path, 'seeds', first!);

    // Act: saved as it was, then a change that does publish, so the test knows the first run is over
    await saveWhole(file, await readFile(file));
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS * 5));
    await saveWhole(join(dir.path, 'seeds', '2026-11-21-marker.txt'), seed('2026-11-21', 'Marker', 'Text.'));
    await eventually(rssText, (text) => text.includes('Marker'), 'the marker article');

    // Assess: one report, the marker's
    await eventually(
      async () => out.length,
      (n) => n > 0,
      'the report',
    );
    expect(out.filter((line) => line.includes('republished'))).toHaveLength(1);
    expect(err).toEqual([]);
  });

  it('keeps the last good version of a seed saved broken, and says which file and why', async () => {
    // Prepare
    const [title] = titles(await jsonFeed());
    let name = '';
    for (const file of await readdir(join(dir.path, 'seeds')))
      if ((await readFile(join(dir.path, 'seeds', file), 'utf8')).includes(title!)) name = file;
    expect(name, `the seed of ${title}`).not.toBe('');

    // Act: its first line loses the date
    await saveWhole(join(dir.path, 'seeds', name), 'A title without its date line\n\nText.\n');

    // Assess
    const problem = await eventually(
      async () => err.join('\n'),
      (text) => text.includes(name),
      'the rejection',
    );
    expect(problem).toContain(`${name}:1:`);
    expect(problem).toContain('(its last good version stays published)');
    expect(titles(await jsonFeed())).toContain(title);
  });

  it('takes an edit of feed.config.json, and keeps the site when the config is broken until it is fixed', async () => {
    // Prepare
    const configFile = join(dir.path, 'feed.config.json');
    const config = JSON.parse(await readFile(configFile, 'utf8')) as { title: string };

    // Act: a new title
    await saveWhole(configFile, JSON.stringify({ ...config, title: 'Renamed While Serving' }, null, 2));

    // Assess
    await eventually(
      async () => (await jsonFeed()).title,
      (title) => title === 'Renamed While Serving',
      'the new feed title',
    );
    expect(await rssText()).toContain('<title>Renamed While Serving</title>');

    // Act: saved half-typed
    const served = await rssText();
    await saveWhole(configFile, '{ "title": ');

    // Assess: said, and the site as it was
    const said = await eventually(
      async () => err.join('\n'),
      (text) => text.includes('not republished'),
      'the failure',
    );
    expect(said).toContain('the site stays as it was');
    expect(said).toContain(`cannot read ${configFile}`);
    expect(await rssText()).toBe(served);

    // Act: fixed
    await saveWhole(configFile, JSON.stringify({ ...config, title: 'Fixed While Serving' }, null, 2));

    // Assess
    await eventually(
      async () => (await jsonFeed()).title,
      (title) => title === 'Fixed While Serving',
      'the fixed title',
    );
  });

  it('refuses to unpublish most of the site on a deletion, and says how to force it', async () => {
    // Prepare
    const before = await rssText();
    const names = (await readdir(join(dir.path, 'seeds'))).filter((name) => name.endsWith('.txt'));
    expect(names.length).toBeGreaterThan(3);

    // Act: all but one deleted, as a mistaken `rm` would. Not watched meanwhile: the files go one
    // by one, and a run that came between two of them (a stall on a loaded machine) would
    // unpublish the first, which the guard lets through alone. Watching again starts with a run.
    await watcher.close();
    for (const name of names.slice(1)) await unlink(join(dir.path, 'seeds', name));
    watcher = republishOnChange(started, io, { quietMs: QUIET_MS });

    // Assess
    const said = await eventually(
      async () => err.join('\n'),
      (text) => text.includes('To publish it anyway'),
      'the refusal',
    );
    expect(said).toContain('To publish it anyway: stop npm start and run npm start -- --force');
    expect(await rssText()).toBe(before);
  });

  it('unpublishes a seed deleted from the folder', async () => {
    // Prepare
    const name = '2026-11-22-short-lived.txt';
    await saveWhole(join(dir.path, 'seeds', name), seed('2026-11-22', 'Short Lived', 'Soon gone.'));
    const feed = await eventually(jsonFeed, (json) => titles(json).includes('Short Lived'), 'the article');
    const link = feed.items.find((entry) => entry.title === 'Short Lived')!.url;

    // Act
    await rm(join(dir.path, 'seeds', name));

    // Assess: out of the feeds, its page gone
    await eventually(jsonFeed, (json) => !titles(json).includes('Short Lived'), 'the article leaving feed.json');
    expect(await rssText()).not.toContain('Short Lived');
    await eventually(
      async () => (await fetch(link)).status,
      (status) => status === 404,
      'its page answering 404',
    );
  });
});
