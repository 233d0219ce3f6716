/** One `npm start` per data folder: the lock file, a live holder, a holder that is gone or was never one. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderBusy, LOCK_FILE, lockDataFolder } from '../../src/local/data-lock.js';
import { tempDir, type TempDir } from '../publish/support.js';

let dir: TempDir;
let listening: Server | undefined;
beforeEach(async () => {
  dir = await tempDir('data-lock-');
});
afterEach(async () => {
  await new Promise((resolve) => (listening ? listening.close(resolve) : resolve(undefined)));
  listening = undefined;
  await dir.remove();
});

/** The id of a process that has exited, so no process has it now (ids are not reused that fast). */
function goneProcessId(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

/** A port something listens on, as a serving npm start's does. */
async function servedPort(): Promise<number> {
  listening = createServer();
  await new Promise<void>((resolve) => listening!.listen(0, '127.0.0.1', resolve));
  return (listening.address() as { port: number }).port;
}

/** A port nothing listens on: one just freed. */
async function silentPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('lockDataFolder', () => {
  it('creates the folder and a lock naming this process and its port, and removes the lock on release', async () => {
    // Prepare
    const folder = join(dir.path, 'data');

    // Act
    const lock = await lockDataFolder(folder, 4568);
    const held = readFileSync(join(folder, LOCK_FILE), 'utf8');
    lock.release();

    // Assess
    expect(held).toBe(`${process.pid} 4568\n`);
    expect(existsSync(join(folder, LOCK_FILE))).toBe(false);
  });

  it('refuses a folder whose lock names a running process serving on its port, naming it and the way out', async () => {
    // Prepare
    const first = await lockDataFolder(dir.path, await servedPort());

    // Act
    const second = lockDataFolder(dir.path, 4569, process.pid + 1);

    // Assess
    await expect(second).rejects.toThrow(DataFolderBusy);
    await expect(lockDataFolder(dir.path, 4569, process.pid + 1)).rejects.toThrow(
      `another npm start (process ${process.pid}) is serving ${dir.path}; stop it, or give this one its own folder with --data DIR`,
    );
    first.release();
  });

  it.each([
    ['a process that has exited', async () => `${goneProcessId()} ${await servedPort()}\n`],
    [
      'a running process that serves nothing on its port (its id reused after a restart)',
      async () => `${process.pid} ${await silentPort()}\n`,
    ],
    ['no process id at all', async () => 'garbage'],
  ])('takes over a lock that names %s', async (_what, content) => {
    // Prepare
    writeFileSync(join(dir.path, LOCK_FILE), await content());

    // Act
    const lock = await lockDataFolder(dir.path, 4570, process.pid + 2);

    // Assess
    expect(readFileSync(join(dir.path, LOCK_FILE), 'utf8')).toBe(`${process.pid + 2} 4570\n`);
    lock.release();
  });

  it('takes over a lock naming a running process and the port this npm start already serves on (the default port, its id reused after a restart)', async () => {
    // Prepare: this process listens on the port, as npm start does before it takes the lock
    const port = await servedPort();
    writeFileSync(join(dir.path, LOCK_FILE), `${process.pid} ${port}\n`);

    // Act
    const lock = await lockDataFolder(dir.path, port, process.pid + 4);

    // Assess
    expect(readFileSync(join(dir.path, LOCK_FILE), 'utf8')).toBe(`${process.pid + 4} ${port}\n`);
    lock.release();
  });

  it('refuses a lock naming a running process and no port, as earlier versions wrote it', async () => {
    // Prepare
    writeFileSync(join(dir.path, LOCK_FILE), `${process.pid}\n`);

    // Act
    const taking = lockDataFolder(dir.path, 4571, process.pid + 3);

    // Assess
    await expect(taking).rejects.toThrow(DataFolderBusy);
    expect(readFileSync(join(dir.path, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
  });

  it('leaves a lock alone on release once another process has taken it over', async () => {
    // Prepare
    const lock = await lockDataFolder(dir.path, 4568);
    writeFileSync(join(dir.path, LOCK_FILE), '1 4568\n');

    // Act
    lock.release();

    // Assess
    expect(readFileSync(join(dir.path, LOCK_FILE), 'utf8')).toBe('1 4568\n');
  });
});
