/**
 * republishOnChange on its own: what it prints of each run, and the run it makes at a held
 * article's hour. The publish is a stand-in that returns summaries, the folders are real (the
 * watcher needs them), and the clock is vitest's.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FeedConfig } from '../../src/config.js';
import type { EmbeddedS3 } from '../../src/local/embedded-s3.js';
import { republishOnChange, type Started } from '../../src/local/start.js';
import type { ChangeWatcher } from '../../src/local/watch.js';
import type { PublishSummary } from '../../src/publish/publish.js';
import { type TempDir, tempDir, testFeedConfig } from '../publish/support.js';

/** A summary of a run that wrote `written` objects, with these seeds held. */
function summary(written: number, held: { file: string; date: string }[] = []): PublishSummary {
  return {
    dryRun: false,
    force: false,
    articles: { seeds: 3, read: written, published: 3 - held.length, held: held.length, rejected: 0, unpublished: 0 },
    rejected: [],
    held,
    skipped: [],
    feedItems: 3 - held.length,
    objects: { written, unchanged: 0, deleted: 0, writtenKeys: [], deletedKeys: [] },
    warnings: [],
    durationMs: 1,
  };
}

let dir: TempDir;
let watcher: ChangeWatcher | undefined;

beforeEach(async () => {
  // Only the clock and its timers: the watcher's folders are real.
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  vi.setSystemTime(new Date('2026-11-30T12:00:00Z'));
  dir = await tempDir('republish-on-change-');
  await mkdir(join(dir.path, 'seeds'));
  await writeFile(join(dir.path, 'feed.config.json'), '{}');
});

afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  vi.useRealTimers();
  await dir.remove();
});

function started(first: PublishSummary, republish: Started['republish'], feed: FeedConfig = testFeedConfig()): Started {
  return {
    server: {} as EmbeddedS3,
    siteUrl: 'http://127.0.0.1:1/feeds/',
    summary: first,
    feed,
    republish,
    seedsDir: join(dir.path, 'seeds'),
    configFile: join(dir.path, 'feed.config.json'),
    watch: true,
  };
}

describe('republishOnChange', () => {
  it('publishes a held article at its hour while serving, and says so', async () => {
    // Prepare: one article held until 1 December, published at 09:30 UTC
    const feed = testFeedConfig({ publishTime: '09:30', timeZone: 'UTC' });
    const held = [{ file: '2026-12-01-later.txt', date: '2026-12-01' }];
    const republish = vi.fn<Started['republish']>(async () => ({ summary: summary(0, held), feed }));
    const out: string[] = [];
    watcher = republishOnChange(started(summary(13, held), republish, feed), { stdout: (line) => out.push(line), stderr: () => {} });
    // The run it starts with, for saves made during the first publish: nothing to say.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(republish).toHaveBeenCalledTimes(1);
    expect(out).toEqual([]);

    // Act: the clock reaches 1 December 09:30
    republish.mockImplementation(async () => ({ summary: summary(5), feed }));
    await vi.advanceTimersByTimeAsync(Date.parse('2026-12-01T09:30:00Z') - Date.now() - 1);
    expect(republish).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    expect(republish).toHaveBeenCalledTimes(2);
    expect(out).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d republished: 5 objects written, 0 deleted \(3 articles, 3 in the feeds\)\.$/),
    ]);
  });

  it('names a held article again only when the list of held articles changes', async () => {
    // Prepare
    const feed = testFeedConfig();
    const held = [{ file: '2099-01-01-later.txt', date: '2099-01-01' }];
    const results = [summary(0, held), summary(0, held), summary(0, [...held, { file: '2099-02-01-more.txt', date: '2099-02-01' }])];
    const republish = vi.fn<Started['republish']>(async () => ({ summary: results.shift() ?? summary(0), feed }));
    const err: string[] = [];
    watcher = republishOnChange(started(summary(13, held), republish, feed), { stdout: () => {}, stderr: (line) => err.push(line) });

    // Act: the first run, a save that changes nothing, and a save that holds one more
    await vi.advanceTimersByTimeAsync(1_000);
    await writeFile(join(dir.path, 'seeds', '.swap'), 'x');
    await vi.waitFor(() => expect(republish).toHaveBeenCalledTimes(1));
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess: nothing said until the list changed; then the whole list
    await vi.waitFor(async () => {
      await writeFile(join(dir.path, 'seeds', '.swap'), String(Math.random()));
      await vi.advanceTimersByTimeAsync(1_000);
      expect(republish.mock.calls.length).toBeGreaterThanOrEqual(3);
    });
    expect(err).toEqual(['2099-01-01-later.txt: held until 2099-01-01', '2099-02-01-more.txt: held until 2099-02-01']);
  });
});
