/**
 * One `npm start` per data folder. Two servers on one folder would each rewrite the feeds with
 * links to their own port, and the feeds of the first would point at the second's, dead once it
 * exits. A lock file in the folder names the process that holds it and the port it serves on; a
 * lock whose process is gone (killed, or the machine restarted), or whose port no longer
 * answers (the process id was reused by another program after a restart), is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** In the data folder's root, which the embedded S3 reads as a bucket only when it is a folder. */
export const LOCK_FILE = '.npm-start.lock';

export class DataFolderBusy extends Error {
  constructor(
    readonly folder: string,
    readonly pid: number,
  ) {
    super(
      `another npm start (process ${pid}) is serving ${folder}; stop it, or give this one its own folder with --data DIR` +
        ` (if process ${pid} is no npm start, delete ${LOCK_FILE} there)`,
    );
    this.name = 'DataFolderBusy';
  }
}

export interface DataLock {
  /** Removes the lock file, unless another process has since taken it over. */
  release(): void;
}

/** Takes the folder for the process `pid` serving on `port` on 127.0.0.1 (the embedded S3 is already listening). */
export async function lockDataFolder(folder: string, port: number, pid = process.pid): Promise<DataLock> {
  mkdirSync(folder, { recursive: true });
  const path = join(folder, LOCK_FILE);
  const content = `${pid} ${port}\n`;
  try {
    const fd = openSync(path, 'wx');
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = lockHolder(path);
    // A lock without a port (as versions before this one wrote it) is held while its process runs.
    // One naming the port this process already listens on is not served by its holder: with the
    // default port, that is every stale lock whose process id another program took after a restart.
    const served = (holderPort: number) => holderPort !== port && answers(holderPort);
    if (holder !== undefined && isRunning(holder.pid) && (holder.port === undefined || (await served(holder.port)))) {
      throw new DataFolderBusy(folder, holder.pid);
    }
    writeFileSync(path, content);
  }
  return {
    release: () => {
      if (lockHolder(path)?.pid === pid) rmSync(path, { force: true });
    },
  };
}

function lockHolder(path: string): { pid: number; port?: number } | undefined {
  try {
    const [pid, port] = readFileSync(path, 'utf8').trim().split(' ').map(Number);
    if (!Number.isInteger(pid) || pid! <= 0) return undefined;
    return Number.isInteger(port) && port! > 0 ? { pid: pid!, port: port! } : { pid: pid! };
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

/**
 * Whether something accepts a connection on 127.0.0.1:`port`. A closed port refuses at once, so
 * the wait only bounds a port that drops connections; it is long because a busy machine can
 * stall this process past a short one while the holder is alive and answering.
 */
function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(5000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
