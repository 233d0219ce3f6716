/** The CLI as the real process `npm run cli` runs: its bundle built from the current sources, and a way to run it. */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file ARGS` in `cwd` with only PATH in its environment (and `env`), as `user` when given; never rejects on its exit code. */
export function runProcess(
  file: string,
  args: readonly string[],
  cwd: string,
  options: { readonly user?: { uid: number; gid: number }; readonly env?: Record<string, string> } = {},
): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, [...args], { cwd, env: { PATH: process.env.PATH ?? '', ...options.env }, ...(options.user ?? {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * The CLI bundle (`node scripts/build.mjs cli`) in a temp folder of its own, so that test files
 * running in parallel never rebuild each other's; readable by another user, for the permission tests.
 */
export async function buildCliBundle(prefix: string): Promise<{ readonly script: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await runProcess(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--quiet', '--outdir', dir, 'cli'], repoRoot);
  await chmod(dir, 0o755);
  await chmod(join(dir, 'cli'), 0o755);
  return { script: join(dir, 'cli', 'index.mjs'), remove: () => rm(dir, { recursive: true, force: true }) };
}
