/** One `npm start` per data folder: the lock file, a live holder, a holder that is gone. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataFolderBusy, LOCK_FILE, lockDataFolder } from '../../src/local/data-lock.js';
import { tempDir, type TempDir } from '../publish/support.js';

let dir: TempDir;
beforeEach(async () => {
  dir = await tempDir('data-lock-');
});
afterEach(async () => {
  await dir.remove();
});

/** The id of a process that has exited, so no process has it now (ids are not reused that fast). */
function goneProcessId(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

describe('lockDataFolder', () => {
  it('creates the folder and a lock naming this process, and removes the lock on release', () => {
    // Prepare
    const folder = join(dir.path, 'data');

    // Act
    const lock = lockDataFolder(folder);
    const held = readFileSync(join(folder, LOCK_FILE), 'utf8');
    lock.release();

    // Assess
    expect(held).toBe(`${process.pid}\n`);
    expect(existsSync(join(folder, LOCK_FILE))).toBe(false);
  });

  it('refuses a folder whose lock names a running process, naming it and the way out', () => {
    // Prepare
    const first = lockDataFolder(dir.path);

    // Act
    const second = () => lockDataFolder(dir.path, process.pid + 1);

    // Assess
    expect(second).toThrow(DataFolderBusy);
    expect(second).toThrow(
      `another npm start (process ${process.pid}) is serving ${dir.path}; stop it, or give this one its own folder with --data DIR`,
    );
    first.release();
  });

  it.each([
    ['a process that has exited', () => `${goneProcessId()}\n`],
    ['no process id at all', () => 'garbage'],
  ])('takes over a lock that names %s', (_what, content) => {
    // Prepare
    writeFileSync(join(dir.path, LOCK_FILE), content());

    // Act
    const lock = lockDataFolder(dir.path);

    // Assess
    expect(readFileSync(join(dir.path, LOCK_FILE), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  it('leaves a lock alone on release once another process has taken it over', () => {
    // Prepare
    const lock = lockDataFolder(dir.path);
    writeFileSync(join(dir.path, LOCK_FILE), '1\n');

    // Act
    lock.release();

    // Assess
    expect(readFileSync(join(dir.path, LOCK_FILE), 'utf8')).toBe('1\n');
  });
});
