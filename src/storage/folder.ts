import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StorageError, type ObjectHead, type PutOptions, type Storage, type StoredObject } from './storage.js';

/** Top-level directory holding the per-object headers; keys may not start with it. */
const META_DIR = '.meta';
/** Temp files start with this; no key segment may, so list can skip them without hiding real objects. */
const TEMP_PREFIX = '.~tmp-';

interface Sidecar {
  contentType?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
}

/**
 * Objects as files under a root directory, for local runs and previews.
 * Headers live in `<root>/.meta/<key>`, a tree that mirrors the objects' own, so a sidecar
 * can clash with another sidecar only where the objects themselves would clash.
 */
export class FolderStorage implements Storage {
  constructor(private readonly root: string) {}

  async get(key: string): Promise<StoredObject | undefined> {
    const paths = this.paths('get', key);
    try {
      const body = await readIfPresent(paths.data);
      if (body === undefined) return undefined;
      const sidecar = await readSidecar(paths.meta);
      // A plain Uint8Array, as the S3 backend returns, so callers and tests see the same type from both.
      return { key, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), ...headers(sidecar) };
    } catch (error) {
      throw new StorageError('get', key, { cause: error });
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<void> {
    const paths = this.paths('put', key);
    const sidecar: Sidecar = {
      contentType: options.contentType,
      ...(options.cacheControl !== undefined && { cacheControl: options.cacheControl }),
      metadata: lowerCaseKeys(options.metadata),
    };
    try {
      // Two renames cannot be one atomic step; the bytes go last so a failed put never changes them.
      await writeAtomically(paths.meta, JSON.stringify(sidecar));
      await writeAtomically(paths.data, body);
    } catch (error) {
      throw new StorageError('put', key, { cause: error });
    }
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const paths = this.paths('head', key);
    try {
      const info = await statIfPresent(paths.data);
      if (info === undefined) return undefined;
      return { key, size: info.size, ...headers(await readSidecar(paths.meta)) };
    } catch (error) {
      throw new StorageError('head', key, { cause: error });
    }
  }

  async list(prefix: string): Promise<string[]> {
    // Only the folder part of the prefix can be walked; the rest is a plain string filter.
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    if (folder !== '') assertSafeKey('list', folder.slice(0, -1), prefix);
    const keys: string[] = [];
    try {
      await this.walk(folder, keys);
    } catch (error) {
      throw new StorageError('list', prefix, { cause: error });
    }
    return keys.filter((key) => key.startsWith(prefix)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private async walk(folder: string, keys: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(this.root, folder), { withFileTypes: true });
    } catch (error) {
      if (isAbsent(error)) return;
      throw error;
    }
    for (const entry of entries) {
      if (entry.name.startsWith(TEMP_PREFIX)) continue;
      if (folder === '' && entry.name === META_DIR) continue;
      if (entry.isDirectory()) await this.walk(`${folder}${entry.name}/`, keys);
      else if (entry.isFile()) keys.push(folder + entry.name);
    }
  }

  private paths(operation: StorageError['operation'], key: string): { data: string; meta: string } {
    assertSafeKey(operation, key, key);
    const segments = key.split('/');
    return { data: join(this.root, ...segments), meta: join(this.root, META_DIR, ...segments) };
  }
}

function assertSafeKey(operation: StorageError['operation'], key: string, reported: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new StorageError(operation, reported, { cause: new Error(problem) });
}

/** Why a key cannot name a file safely inside the root, or undefined when it can. */
function keyProblem(key: string): string | undefined {
  if (key === '') return 'the key is empty';
  if (key.includes('\0')) return 'the key contains a NUL character';
  if (key.includes('\\')) return 'the key contains a backslash';
  if (key.startsWith('/')) return 'the key is absolute';
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'the key has an empty, "." or ".." segment';
  if (segments[0] === META_DIR) return `keys under "${META_DIR}/" are reserved for object headers`;
  if (segments.some((s) => s.startsWith(TEMP_PREFIX))) return `key segments starting with "${TEMP_PREFIX}" are reserved`;
  return undefined;
}

/** Readers see the old file or the new one: rename within one directory replaces it in a single step. */
async function writeAtomically(path: string, content: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `${TEMP_PREFIX}${randomUUID()}`);
  try {
    await writeFile(temp, content, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

async function statIfPresent(path: string): Promise<{ size: number } | undefined> {
  try {
    const info = await stat(path);
    return info.isFile() ? info : undefined;
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

async function readSidecar(path: string): Promise<Sidecar> {
  const text = await readIfPresent(path);
  return text === undefined ? {} : (JSON.parse(text.toString('utf8')) as Sidecar);
}

function headers(sidecar: Sidecar): Pick<StoredObject, 'contentType' | 'cacheControl' | 'metadata'> {
  return {
    ...(sidecar.contentType !== undefined && { contentType: sidecar.contentType }),
    ...(sidecar.cacheControl !== undefined && { cacheControl: sidecar.cacheControl }),
    metadata: sidecar.metadata ?? {},
  };
}

// A key that is a folder (EISDIR) or runs through a file (ENOTDIR) names no object, as in a bucket.
function isAbsent(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

function lowerCaseKeys(record: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record ?? {})) out[name.toLowerCase()] = value;
  return out;
}
