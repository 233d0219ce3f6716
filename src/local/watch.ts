/**
 * Republishing while `npm start` serves: a change in the seeds folder or to feed.config.json
 * starts a run once the files have been quiet for a moment, so an editor's save (often a temp
 * file, a rename and a delete) is one run; files that never stop changing still get a run
 * every `maxWaitMs`. A change during a run starts one more after it, never a second run beside
 * it: two runs at once would race for the manifest.
 */
import { watch as fsWatch } from 'node:fs';
import { basename, dirname } from 'node:path';
import { describeError } from '../errors.js';

/** What is watched: a folder, and which names in it count (all of them when `accept` is left out). */
export interface WatchedFolder {
  readonly path: string;
  readonly accept?: (name: string) => boolean;
  /**
   * The folder may be deleted and made again, or replaced by a rename (`git checkout`, a copy of
   * a backup): its parent is watched for its name, and the new folder is watched in its place.
   */
  readonly replaceable?: boolean;
}

/** The part of `fs.watch` used here: a folder's direct entries, not its subfolders. */
export type WatchFolder = (
  path: string,
  listener: (event: string, name: string | Buffer | null) => void,
) => { close(): void; on(event: 'error', listener: (error: Error) => void): unknown };

export interface ChangeWatcherOptions {
  readonly folders: readonly WatchedFolder[];
  /** How long the folders must stay quiet before a run starts. */
  readonly quietMs: number;
  /** The longest a change waits for its run while changes keep coming. Default: ten times quietMs. */
  readonly maxWaitMs?: number;
  /** One republish; its own failures are its to report (a rejection here is reported as one). */
  readonly run: () => Promise<void>;
  /** Watching stopped (a folder that could no longer be watched), or a run rejected: says why. */
  readonly stopped: (problem: string) => void;
  /**
   * Start with a run, for what changed before watching began (while the first publish ran).
   * It says nothing when nothing changed.
   */
  readonly runFirst?: boolean;
  readonly watch?: WatchFolder;
}

export interface ChangeWatcher {
  /** Stops watching: no run starts any more. Resolves once a run in progress has finished. */
  close(): Promise<void>;
  /** A run at this instant (ms since the epoch) too, as if something changed then; replaces an earlier wish. */
  runAt(instant: number): void;
}

/** setTimeout's longest delay: a later wake-up is set again when this one fires. */
const LONGEST_TIMEOUT_MS = 2 ** 31 - 1;

const defaultWatch: WatchFolder = (path, listener) => fsWatch(path, { persistent: false }, listener);

export function watchForChanges(options: ChangeWatcherOptions): ChangeWatcher {
  const watch = options.watch ?? defaultWatch;
  const maxWaitMs = options.maxWaitMs ?? 10 * options.quietMs;
  let timer: NodeJS.Timeout | undefined;
  /** The wake-up runAt asked for. */
  let wake: NodeJS.Timeout | undefined;
  /** When the oldest change not yet run came. */
  let waitingSince: number | undefined;
  /** The run in progress, if any. */
  let running: Promise<void> | undefined;
  /** A change came while a run was in progress: it may not have seen it. */
  let changedDuringRun = false;
  let closed = false;
  /** The watcher of each folder, while it exists; a replaceable folder's parent's, always. */
  const watchers = new Map<string, { close(): void }>();

  const close = async () => {
    closed = true;
    clearTimeout(timer);
    clearTimeout(wake);
    for (const watcher of watchers.values()) watcher.close();
    watchers.clear();
    await running;
  };

  const stop = (problem: string) => {
    if (closed) return;
    void close();
    options.stopped(problem);
  };

  const start = async () => {
    timer = undefined;
    waitingSince = undefined;
    running = options.run().catch((error: unknown) => {
      options.stopped(`republishing failed: ${describeError(error)}`);
    });
    await running;
    running = undefined;
    if (changedDuringRun && !closed) {
      changedDuringRun = false;
      schedule();
    }
  };

  function schedule(): void {
    clearTimeout(timer);
    waitingSince ??= Date.now();
    const delay = Math.max(0, Math.min(options.quietMs, waitingSince + maxWaitMs - Date.now()));
    timer = setTimeout(() => void start(), delay);
  }

  const changed = () => {
    if (closed) return;
    if (running) changedDuringRun = true;
    else schedule();
  };

  /** Watches the folder, if it exists now; throws anything but its absence. */
  const watchFolder = (folder: WatchedFolder) => {
    watchers.get(folder.path)?.close();
    watchers.delete(folder.path);
    let watcher: ReturnType<WatchFolder>;
    try {
      watcher = watch(folder.path, (_event, name) => {
        // Some platforms do not say which entry changed: then it may be one that counts.
        const entry = name === null ? undefined : name.toString();
        if (entry === undefined || folder.accept === undefined || folder.accept(entry)) changed();
      });
    } catch (error) {
      // Gone for now: its parent says when it is back.
      if (folder.replaceable && (error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    watcher.on('error', (error) => {
      if (folder.replaceable) {
        // The folder went away under its watcher: watched again when its parent shows it back.
        watcher.close();
        if (watchers.get(folder.path) === watcher) watchers.delete(folder.path);
      } else stop(`stopped watching ${folder.path}: ${error.message}`);
    });
    watchers.set(folder.path, watcher);
  };

  let current = '';
  try {
    for (const folder of options.folders) {
      current = folder.path;
      watchFolder(folder);
      if (!folder.replaceable) continue;
      const name = basename(folder.path);
      current = dirname(folder.path);
      const parent = watch(current, (_event, entry) => {
        if (closed || (entry !== null && entry.toString() !== name)) return;
        // Deleted, made again or renamed over: whatever is under the name now is what counts.
        try {
          watchFolder(folder);
        } catch (error) {
          return stop(`cannot watch ${folder.path}: ${describeError(error)}`);
        }
        changed();
      });
      parent.on('error', (error) => stop(`stopped watching ${dirname(folder.path)}: ${error.message}`));
      watchers.set(`${folder.path}\0parent`, parent);
    }
  } catch (error) {
    stop(`cannot watch ${current}: ${describeError(error)}`);
  }
  if (options.runFirst && !closed) schedule();
  const runAt = (instant: number): void => {
    clearTimeout(wake);
    if (closed) return;
    const delay = instant - Date.now();
    wake = setTimeout(() => (delay > LONGEST_TIMEOUT_MS ? runAt(instant) : changed()), Math.max(0, Math.min(delay, LONGEST_TIMEOUT_MS)));
  };
  return { close, runAt };
}
