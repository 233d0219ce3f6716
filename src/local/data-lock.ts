/**
 * One `npm start` per data folder. Two servers on one folder would each rewrite the feeds with
 * links to their own port, and the feeds of the first would point at the second's, dead once it
 * exits. A lock file in the folder names the process that holds it; a lock whose process is gone
 * (killed, or the machine restarted) is taken over.
 */
import { mkdirSync, openSync, readFileSync, rmSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** In the data folder's root, which the embedded S3 reads as a bucket only when it is a folder. */
export const LOCK_FILE = '.npm-start.lock';

export class DataFolderBusy extends Error {
  constructor(
    readonly folder: string,
    readonly pid: number,
  ) {
    super(`another npm start (process ${pid}) is serving ${folder}; stop it, or give this one its own folder with --data DIR`);
    this.name = 'DataFolderBusy';
  }
}

export interface DataLock {
  /** Removes the lock file, unless another process has since taken it over. */
  release(): void;
}

export function lockDataFolder(folder: string, pid = process.pid): DataLock {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, LOCK_FILE);
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, `${pid}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = lockHolder(path);
    if (holder !== undefined && isRunning(holder)) throw new DataFolderBusy(folder, holder);
    writeFileSync(path, `${pid}\n`);
  }
  return {
    release: () => {
      if (lockHolder(path) === pid) rmSync(path, { force: true });
    },
  };
}

function lockHolder(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this id exists: signal 0 checks without sending anything. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
