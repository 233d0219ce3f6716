/**
 * Republishing while `npm start` serves: a change in the seeds folder or to feed.config.json
 * starts a run once the files have been quiet for a moment, so an editor's save (often a temp
 * file, a rename and a delete) is one run. A change during a run starts one more after it, never
 * a second run beside it: two runs at once would race for the manifest.
 */
import { watch as fsWatch } from 'node:fs';

/** What is watched: a folder, and which names in it count (all of them when `accept` is left out). */
export interface WatchedFolder {
  readonly path: string;
  readonly accept?: (name: string) => boolean;
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
  /** One republish; its own failures are its to report (a rejection here is reported as one). */
  readonly run: () => Promise<void>;
  /** A folder that can no longer be watched (deleted, unmounted): watching stops and says why. */
  readonly stopped: (problem: string) => void;
  readonly watch?: WatchFolder;
}

export interface ChangeWatcher {
  /** Stops watching: no run starts any more. Resolves once a run in progress has finished. */
  close(): Promise<void>;
}

const defaultWatch: WatchFolder = (path, listener) => fsWatch(path, { persistent: false }, listener);

export function watchForChanges(options: ChangeWatcherOptions): ChangeWatcher {
  const watch = options.watch ?? defaultWatch;
  let timer: NodeJS.Timeout | undefined;
  /** The run in progress, if any. */
  let running: Promise<void> | undefined;
  /** A change came while a run was in progress: it may not have seen it. */
  let changedDuringRun = false;
  let closed = false;
  const watchers: { close(): void }[] = [];

  const close = async () => {
    closed = true;
    clearTimeout(timer);
    for (const watcher of watchers.splice(0)) watcher.close();
    await running;
  };

  const start = async () => {
    timer = undefined;
    running = options.run().catch((error: unknown) => {
      options.stopped(`republishing failed: ${error instanceof Error ? error.message : String(error)}`);
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
    timer = setTimeout(() => void start(), options.quietMs);
  }

  const changed = () => {
    if (closed) return;
    if (running) changedDuringRun = true;
    else schedule();
  };

  for (const folder of options.folders) {
    try {
      const watcher = watch(folder.path, (_event, name) => {
        // Some platforms do not say which entry changed: then it may be one that counts.
        const entry = name === null ? undefined : name.toString();
        if (entry === undefined || folder.accept === undefined || folder.accept(entry)) changed();
      });
      watcher.on('error', (error) => {
        void close();
        options.stopped(`stopped watching ${folder.path}: ${error.message}`);
      });
      watchers.push(watcher);
    } catch (error) {
      void close();
      options.stopped(`cannot watch ${folder.path}: ${error instanceof Error ? error.message : String(error)}`);
      break;
    }
  }
  return { close };
}
