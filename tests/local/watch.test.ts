/**
 * watchForChanges: when a change in the watched folders becomes a republish. The folders are a
 * fake `fs.watch` the tests fire by hand, and the clock is vitest's, so every case is exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { watchForChanges, type WatchFolder } from '../../src/local/watch.js';

interface FakeFolder {
  readonly path: string;
  fire(name: string | null, event?: string): void;
  fail(error: Error): void;
  closed: boolean;
}

/** A fake fs.watch: each folder watched becomes a FakeFolder the test fires events on. */
function fakeWatch(): { watch: WatchFolder; folders: Map<string, FakeFolder> } {
  const folders = new Map<string, FakeFolder>();
  const watch: WatchFolder = (path, listener) => {
    let onError: (error: Error) => void = () => {};
    const folder: FakeFolder = {
      path,
      closed: false,
      fire: (name, event = 'change') => {
        if (!folder.closed) listener(event, name);
      },
      fail: (error) => onError(error),
    };
    folders.set(path, folder);
    return {
      close: () => {
        folder.closed = true;
      },
      on: (_event: 'error', listener: (error: Error) => void) => {
        onError = listener;
      },
    };
  };
  return { watch, folders };
}

/** A run the test finishes by hand, to put changes in the middle of it. */
function controlledRuns() {
  const finishers: (() => void)[] = [];
  let started = 0;
  return {
    run: () => {
      started++;
      return new Promise<void>((resolve) => finishers.push(resolve));
    },
    get started() {
      return started;
    },
    finish: async () => {
      finishers.shift()?.();
      // Lets the watcher see the run end (its await and the finally after it).
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('watchForChanges', () => {
  it('makes one run of a burst of changes, once the folder has been quiet for quietMs', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const run = vi.fn(async () => {});
    watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run, stopped: () => {}, watch });
    const seeds = folders.get('/seeds')!;

    // Act: an editor's save, a temp file written, renamed over the seed and a swap file removed
    seeds.fire('.a.txt.swp', 'rename');
    await vi.advanceTimersByTimeAsync(100);
    seeds.fire('a.txt', 'rename');
    await vi.advanceTimersByTimeAsync(200);
    seeds.fire('a.txt');

    // Assess: nothing while changes keep coming, one run 300 ms after the last
    await vi.advanceTimersByTimeAsync(299);
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('never starts a second run beside one in progress, and runs once more after it for the changes made during it', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const runs = controlledRuns();
    watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run: runs.run, stopped: () => {}, watch });
    const seeds = folders.get('/seeds')!;
    seeds.fire('a.txt');
    await vi.advanceTimersByTimeAsync(300);
    expect(runs.started).toBe(1);

    // Act: three changes while the first run is still writing
    seeds.fire('b.txt');
    await vi.advanceTimersByTimeAsync(1_000);
    seeds.fire('c.txt');
    seeds.fire('d.txt');
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess: still one run; after it ends, exactly one more, after the quiet time
    expect(runs.started).toBe(1);
    await runs.finish();
    expect(runs.started).toBe(1);
    await vi.advanceTimersByTimeAsync(300);
    expect(runs.started).toBe(2);
    await runs.finish();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs.started).toBe(2);
  });

  it('starts no run after a run during which nothing changed', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const runs = controlledRuns();
    watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run: runs.run, stopped: () => {}, watch });
    folders.get('/seeds')!.fire('a.txt');
    await vi.advanceTimersByTimeAsync(300);

    // Act
    await runs.finish();
    await vi.advanceTimersByTimeAsync(5_000);

    // Assess
    expect(runs.started).toBe(1);
  });

  it('counts only the names a folder accepts: the config file in the project folder, not the rest of it', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const run = vi.fn(async () => {});
    watchForChanges({
      folders: [{ path: '/seeds' }, { path: '/project', accept: (name) => name === 'feed.config.json' }],
      quietMs: 300,
      run,
      stopped: () => {},
      watch,
    });
    const project = folders.get('/project')!;

    // Act: files beside the config change
    project.fire('package-lock.json');
    project.fire('.feed.config.json.swp', 'rename');
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    expect(run).not.toHaveBeenCalled();

    // Act: the config itself, then a platform that does not say which file changed
    project.fire('feed.config.json');
    await vi.advanceTimersByTimeAsync(300);
    project.fire(null, 'rename');
    await vi.advanceTimersByTimeAsync(300);

    // Assess: each counts
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('keeps watching after a run that rejects, and says why it failed', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const problems: string[] = [];
    const run = vi.fn().mockRejectedValueOnce(new Error('the bucket went away')).mockResolvedValue(undefined);
    watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run, stopped: (problem) => problems.push(problem), watch });
    const seeds = folders.get('/seeds')!;

    // Act
    seeds.fire('a.txt');
    await vi.advanceTimersByTimeAsync(300);
    seeds.fire('a.txt');
    await vi.advanceTimersByTimeAsync(300);

    // Assess
    expect(problems).toEqual(['republishing failed: the bucket went away']);
    expect(run).toHaveBeenCalledTimes(2);
    expect(seeds.closed).toBe(false);
  });

  it('stops watching every folder, and says so, when one of them can no longer be watched', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const problems: string[] = [];
    const run = vi.fn(async () => {});
    watchForChanges({
      folders: [{ path: '/seeds' }, { path: '/project' }],
      quietMs: 300,
      run,
      stopped: (problem) => problems.push(problem),
      watch,
    });
    const seeds = folders.get('/seeds')!;
    seeds.fire('a.txt');

    // Act: the seeds folder is deleted while a change waits for its quiet time
    seeds.fail(new Error('ENOENT: the folder is gone'));
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    expect(problems).toEqual(['stopped watching /seeds: ENOENT: the folder is gone']);
    expect([...folders.values()].map((folder) => folder.closed)).toEqual([true, true]);
    expect(run).not.toHaveBeenCalled();
  });

  it('says which folder it cannot watch at all, and watches none', () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const problems: string[] = [];
    const failing: WatchFolder = (path, listener) => {
      if (path === '/missing') throw new Error('ENOENT: no such file or directory');
      return watch(path, listener);
    };

    // Act
    watchForChanges({
      folders: [{ path: '/project' }, { path: '/missing' }],
      quietMs: 300,
      run: async () => {},
      stopped: (p) => problems.push(p),
      watch: failing,
    });

    // Assess
    expect(problems).toEqual(['cannot watch /missing: ENOENT: no such file or directory']);
    expect(folders.get('/project')!.closed).toBe(true);
  });

  it('runs at most maxWaitMs after a change, though changes keep coming', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const run = vi.fn(async () => {});
    watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, maxWaitMs: 1_000, run, stopped: () => {}, watch });
    const seeds = folders.get('/seeds')!;

    // Act: a program writing into the folder every 100 ms
    for (let elapsed = 0; elapsed < 1_000; elapsed += 100) {
      seeds.fire('log.txt');
      await vi.advanceTimersByTimeAsync(100);
    }

    // Assess: one run, at the longest wait, not never
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('waits at most ten times the quiet time by default: 3 s for the 300 ms of npm start', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const run = vi.fn(async () => {});
    watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run, stopped: () => {}, watch });
    const seeds = folders.get('/seeds')!;

    // Act: a change every 100 ms for 2.9 s, then for 0.2 s more
    for (let elapsed = 0; elapsed < 2_900; elapsed += 100) {
      seeds.fire('log.txt');
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(run).not.toHaveBeenCalled();
    for (let elapsed = 0; elapsed < 200; elapsed += 100) {
      seeds.fire('log.txt');
      await vi.advanceTimersByTimeAsync(100);
    }

    // Assess
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('starts with a run when asked, for what changed before watching began', async () => {
    // Prepare
    const { watch } = fakeWatch();
    const run = vi.fn(async () => {});

    // Act
    watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run, stopped: () => {}, watch, runFirst: true });
    await vi.advanceTimersByTimeAsync(300);

    // Assess
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('watches a replaceable folder again when it is deleted and made again, or renamed over', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const problems: string[] = [];
    const run = vi.fn(async () => {});
    watchForChanges({
      folders: [{ path: '/project/seeds', replaceable: true }],
      quietMs: 300,
      run,
      stopped: (problem) => problems.push(problem),
      watch,
    });
    const old = folders.get('/project/seeds')!;
    const parent = folders.get('/project')!;

    // Act: other entries of the parent change, then the folder is replaced
    parent.fire('package.json');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(run).not.toHaveBeenCalled();
    parent.fire('seeds', 'rename');
    await vi.advanceTimersByTimeAsync(300);

    // Assess: a run for the replacement, and the new folder watched instead of the old one
    expect(run).toHaveBeenCalledTimes(1);
    const replacement = folders.get('/project/seeds')!;
    expect(replacement).not.toBe(old);
    expect(old.closed).toBe(true);
    replacement.fire('a.txt');
    await vi.advanceTimersByTimeAsync(300);
    expect(run).toHaveBeenCalledTimes(2);
    expect(problems).toEqual([]);
  });

  it('waits for a replaceable folder that is missing, and watches it once it is there', async () => {
    // Prepare: the folder does not exist yet
    const { watch, folders } = fakeWatch();
    let exists = false;
    const run = vi.fn(async () => {});
    const problems: string[] = [];
    const maybe: WatchFolder = (path, listener) => {
      if (path === '/project/seeds' && !exists) throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
      return watch(path, listener);
    };
    watchForChanges({
      folders: [{ path: '/project/seeds', replaceable: true }],
      quietMs: 300,
      run,
      stopped: (p) => problems.push(p),
      watch: maybe,
    });
    expect(folders.has('/project/seeds')).toBe(false);

    // Act: made
    exists = true;
    folders.get('/project')!.fire('seeds', 'rename');
    await vi.advanceTimersByTimeAsync(300);
    folders.get('/project/seeds')!.fire('a.txt');
    await vi.advanceTimersByTimeAsync(300);

    // Assess
    expect(problems).toEqual([]);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('watches a replaceable folder again after its watcher fails, once its parent shows it back', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const problems: string[] = [];
    const run = vi.fn(async () => {});
    watchForChanges({
      folders: [{ path: '/project/seeds', replaceable: true }],
      quietMs: 300,
      run,
      stopped: (p) => problems.push(p),
      watch,
    });

    // Act
    folders.get('/project/seeds')!.fail(new Error('EPERM'));
    folders.get('/project')!.fire('seeds', 'rename');
    await vi.advanceTimersByTimeAsync(300);
    folders.get('/project/seeds')!.fire('b.txt');
    await vi.advanceTimersByTimeAsync(300);

    // Assess: said nothing, and goes on
    expect(problems).toEqual([]);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('runs at the instant runAt asks for, the latest wish replacing an earlier one', async () => {
    // Prepare
    const { watch } = fakeWatch();
    const run = vi.fn(async () => {});
    const watcher = watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run, stopped: () => {}, watch });

    // Act
    watcher.runAt(Date.now() + 5_000);
    watcher.runAt(Date.now() + 60_000);
    await vi.advanceTimersByTimeAsync(59_999);

    // Assess: not at the replaced instant; at the later one, after the quiet time
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(301);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('waits for an instant beyond the longest timer setTimeout takes', async () => {
    // Prepare
    const { watch } = fakeWatch();
    const run = vi.fn(async () => {});
    const watcher = watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run, stopped: () => {}, watch });
    const days40 = 40 * 86_400_000;

    // Act
    watcher.runAt(Date.now() + days40);
    await vi.advanceTimersByTimeAsync(days40 - 1_000);

    // Assess: not early (a delay over 2^31 ms would fire at once), and on time
    expect(run).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_300);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('resolves close once the run in progress has finished', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const runs = controlledRuns();
    const watcher = watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run: runs.run, stopped: () => {}, watch });
    folders.get('/seeds')!.fire('a.txt');
    await vi.advanceTimersByTimeAsync(300);
    let closed = false;

    // Act
    const closing = watcher.close().then(() => {
      closed = true;
    });
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess: not while the run writes; once it is done
    expect(closed).toBe(false);
    await runs.finish();
    await closing;
    expect(closed).toBe(true);
  });

  it('starts nothing once closed, though a change was waiting for its quiet time', async () => {
    // Prepare
    const { watch, folders } = fakeWatch();
    const run = vi.fn(async () => {});
    const watcher = watchForChanges({ folders: [{ path: '/seeds' }], quietMs: 300, run, stopped: () => {}, watch });
    folders.get('/seeds')!.fire('a.txt');

    // Act
    await watcher.close();
    await vi.advanceTimersByTimeAsync(1_000);

    // Assess
    expect(run).not.toHaveBeenCalled();
    expect(folders.get('/seeds')!.closed).toBe(true);
  });
});
