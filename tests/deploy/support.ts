/**
 * Shared plumbing for the deploy tests: a throw-away copy of the service (serverless.yml,
 * infra/ and a fresh build) so concurrent tests never rebuild each other's dist/, the serverless
 * CLI run with no AWS credentials, and a minimal zip directory reader.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const serverlessBin = join(repoRoot, 'node_modules', 'osls', 'bin', 'serverless.js');

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; never throws on a non-zero exit (the result says). */
export async function run(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CommandResult> {
  try {
    const { stdout, stderr } = await execFileAsync(file, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 240_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return {
      code: typeof e.code === 'number' ? e.code : 1,
      stdout: e.stdout ?? '',
      stderr: `${e.stderr ?? ''}\n${e.message}`,
    };
  }
}

/**
 * The environment the serverless CLI gets: this process' environment without any AWS
 * credential or profile, shared config files pointed at nothing, and telemetry off.
 */
export function offlineEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^AWS_/.test(key) && key !== 'AWS_CA_BUNDLE') continue;
    env[key] = value;
  }
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-aws-credentials'),
    AWS_CONFIG_FILE: join(home, 'no-aws-config'),
    SLS_TELEMETRY_DISABLED: '1',
    ...extra,
  };
}

export interface ServiceCopy {
  /** The service directory: serverless.yml, infra/ and dist/ built from handlers/. */
  readonly dir: string;
  readonly buildOutput: CommandResult;
  remove(): void;
}

/** Copies the service definition to a temp folder and builds the handlers into its dist/. */
export async function prepareServiceCopy(prefix: string): Promise<ServiceCopy> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(repoRoot, 'serverless.yml'), join(dir, 'serverless.yml'));
  cpSync(join(repoRoot, 'infra'), join(dir, 'infra'), { recursive: true });
  const buildOutput = await run(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--outdir', join(dir, 'dist')], {
    cwd: repoRoot,
  });
  return { dir, buildOutput, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs the serverless CLI (osls) in `cwd` with the offline environment. */
export function serverless(cwd: string, args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  return run(process.execPath, [serverlessBin, ...args], { cwd, env: offlineEnv(cwd, extraEnv) });
}

export interface ZipEntry {
  readonly name: string;
  readonly compressedSize: number;
  readonly size: number;
}

/** Lists a zip file's entries from its central directory (no extraction, no zip64). */
export function listZip(path: string): ZipEntry[] {
  const zip = readFileSync(path);
  // The end-of-central-directory record sits in the last 22 bytes plus an optional comment.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${path}: not a zip file (no end of central directory)`);
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error(`${path}: bad central directory entry ${i}`);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const size = zip.readUInt32LE(offset + 24);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    entries.push({ name, compressedSize, size });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
