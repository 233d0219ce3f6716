/**
 * Objects as files under a root directory: `cli build --out DIR`, bundled seeds, previews.
 * A folder keeps bytes only; the content type and cache headers a bucket stores with each
 * object are the business of whatever serves the folder (by file extension).
 * An object's ETag is its file's inode, modification time and size: a listing needs one `lstat`
 * per file instead of reading it, and a rewrite behind the publisher's back changes it (see
 * fileEtag for the one case it cannot see).
 *
 * File calls are synchronous: a folder is written by one local process at a time, and for
 * tens of thousands of small files they are several times faster than as many promises.
 */
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { dirname, join } from 'node:path';
import {
  compareKeys,
  PreconditionFailedError,
  StorageError,
  type ListedObject,
  type ListOptions,
  type PutOptions,
  type Storage,
  type StorageOperation,
  type StoredObject,
} from './storage.js';

/** Temp files start with this; no key segment may, so list can skip them without hiding real objects. */
const TEMP_PREFIX = '.~tmp-';

/**
 * A temp file older than this is no write in flight (a write takes milliseconds) but one a
 * process killed part way left behind: removeLeftoverTempFiles removes it.
 */
const LEFTOVER_TEMP_MS = 10_000;

export class FolderStorage implements Storage {
  /** Folders known to exist, so a put of many pages into one folder creates it once. */
  private readonly folders = new Set<string>();
  /** Folders under the root checked to be no symbolic link (path). */
  private readonly realFolders = new Set<string>();
  /** Temp files the listings came across: written by a process killed part way, or in flight. */
  private readonly tempFiles = new Set<string>();

  /**
   * `requireRoot`: a missing root is an error when listed, not an empty folder. A site folder
   * starts out missing; a seeds folder that is missing is a wrong setting, and reading it as
   * empty would unpublish every article.
   */
  constructor(
    private readonly root: string,
    private readonly options: { readonly requireRoot?: boolean } = {},
  ) {}

  async get(key: string): Promise<StoredObject | undefined> {
    const path = this.path('get', key);
    try {
      // One open, then everything from the descriptor: the ETag describes the bytes read. A
      // symbolic link is not followed (ELOOP): list leaves links out, and get agrees with it.
      const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      try {
        const info = fstatSync(fd);
        if (!info.isFile()) return undefined;
        const body = readFileSync(fd);
        // A plain Uint8Array, as the S3 backend returns, so callers and tests see the same type from both.
        return { key, body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength), etag: fileEtag(info) };
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      if (isAbsent(error)) return undefined;
      throw new StorageError('get', key, { cause: error });
    }
  }

  async put(key: string, body: Uint8Array, options: PutOptions): Promise<{ etag: string }> {
    const path = this.path('put', key);
    try {
      if (options.ifMatch !== undefined || options.ifNoneMatch !== undefined) {
        // Checked, then written: of two processes replacing one file at the same instant both
        // can pass. A folder has one writer in practice (the CLI); S3 enforces the condition
        // itself. A file made where there was none is made in one step, so two first builds
        // started together cannot both make it (`link` fails when the name exists).
        const current = statIfFile(path);
        const holds = options.ifNoneMatch === '*' ? current === undefined : current !== undefined && fileEtag(current) === options.ifMatch;
        if (!holds) throw new PreconditionFailedError(key, { cause: new Error('the object changed since it was read') });
        if (options.ifNoneMatch === '*') return { etag: fileEtag(this.writeAtomically(path, body, { exclusive: key })) };
      }
      return { etag: fileEtag(this.writeAtomically(path, body)) };
    } catch (error) {
      if (error instanceof PreconditionFailedError) throw error;
      throw new StorageError('put', key, { cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path('delete', key);
    try {
      rmSync(path, { force: true });
    } catch (error) {
      if (isAbsent(error)) return;
      throw new StorageError('delete', key, { cause: error });
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListedObject[]> {
    // Only the folder part of the prefix can be walked; the rest is a plain string filter.
    const folder = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    if (folder !== '') assertSafeKey('list', folder.slice(0, -1), prefix);
    const listed: ListedObject[] = [];
    try {
      if (this.options.requireRoot && !statSync(this.root, { throwIfNoEntry: false })?.isDirectory()) {
        throw new Error(`the folder ${this.root} does not exist`);
      }
      // A prefix whose folder is a symbolic link lists nothing, as a link met in a walk is not followed.
      const linked = folder === '' ? undefined : this.linkedFolder(folder.slice(0, -1).split('/'));
      if (linked !== undefined) {
        options.skipped?.(folder.slice(0, -1), 'a symbolic link, not a file');
        return [];
      }
      this.walk(folder, options.recursive !== false, (key, info) => {
        if (!key.startsWith(prefix)) return;
        // Named so that it could not be read back (get and put refuse it): reported, not listed.
        const problem = info === undefined ? undefined : walkedKeyProblem(key);
        if (info === undefined) options.skipped?.(key, 'its name is not valid UTF-8');
        else if (problem !== undefined) options.skipped?.(key, `its name cannot be a key: ${problem}`);
        else if (info.isFile()) listed.push({ key, etag: fileEtag(info), size: info.size });
        else options.skipped?.(key, nonFileReason(info));
      });
    } catch (error) {
      throw new StorageError('list', prefix, { cause: error });
    }
    return listed.sort(compareKeys);
  }

  /**
   * A file the run would write with the bytes it already holds is kept: a folder copied,
   * restored from a cache or a backup, or kept by an earlier version lists under signatures no
   * record knows, and rewriting every file would give each a new modification time, which a
   * sync by time (rsync, `aws s3 sync`) then uploads again. Reading costs less than writing.
   * A file that cannot be read is left to the put, which says why.
   */
  async heldAs(key: string, body: Uint8Array): Promise<string | undefined> {
    try {
      const object = await this.get(key);
      return object !== undefined && Buffer.compare(object.body, body) === 0 ? object.etag : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Removes the temp files the listings came across, and those in `folders` (keys of folders no
   * listing reads, the manifest's), that are older than a write takes: those a build killed part
   * way (Ctrl-C, a crash) left beside the files it was replacing. A listing skips them, so
   * without this they would stay in the site folder for good. Returns how many.
   */
  removeLeftoverTempFiles(folders: readonly string[] = [], now: number = Date.now()): number {
    for (const folder of folders) {
      const directory = join(this.root, folder);
      let names: string[] = [];
      try {
        names = readdirSync(directory);
      } catch {
        // No such folder: nothing left in it.
      }
      for (const name of names) if (name.startsWith(TEMP_PREFIX)) this.tempFiles.add(`${directory}/${name}`);
    }
    let removed = 0;
    for (const path of this.tempFiles) {
      try {
        const info = lstatSync(path, { throwIfNoEntry: false });
        if (info?.isFile() && now - info.mtimeMs > LEFTOVER_TEMP_MS) {
          rmSync(path, { force: true });
          removed++;
        }
      } catch {
        // Left for the next run: a temp file is never worth failing a build over.
      }
    }
    this.tempFiles.clear();
    return removed;
  }

  /**
   * Calls `visit` with each entry's key and lstat that is not a folder: one `lstat` per entry, no
   * Dirent per file. An entry whose name is not valid UTF-8 comes back from readdir with U+FFFD
   * in it, a name no file has: it is visited without a stat.
   */
  private walk(folder: string, recursive: boolean, visit: (key: string, info: Stats | undefined) => void): void {
    let names: string[];
    const directory = folder === '' ? this.root : join(this.root, folder);
    try {
      names = readdirSync(directory);
    } catch (error) {
      if (isAbsent(error)) return;
      throw error;
    }
    for (const name of names) {
      if (name.startsWith(TEMP_PREFIX)) {
        this.tempFiles.add(`${directory}/${name}`);
        continue;
      }
      // lstat: a symbolic link is neither followed nor listed (a bucket has none); it is reported.
      const info = lstatSync(`${directory}/${name}`, { throwIfNoEntry: false });
      // A folder under a listing that does not descend is visited too, so that the listing can say
      // what it passed over (a `drafts.txt/` folder among the seeds would otherwise vanish unseen).
      if (info?.isDirectory() && recursive) this.walk(`${folder}${name}/`, recursive, visit);
      else if (info) visit(folder + name, info);
      // Gone between the two calls, or never there under this name: only the second is reported.
      else if (name.includes('\uFFFD')) visit(folder + name, undefined);
    }
  }

  private path(operation: StorageOperation, key: string): string {
    assertSafeKey(operation, key, key);
    const segments = key.split('/');
    // A folder of the key that is a symbolic link would take the write, the read or the delete
    // somewhere else: into the seeds folder, with `articles` linked to it. Listings never follow
    // one (walk, list), and neither does anything else.
    const linked = this.linkedFolder(segments.slice(0, -1));
    if (linked !== undefined) {
      throw new StorageError(operation, key, { cause: new Error(`${linked} is a symbolic link, which the site folder does not follow`) });
    }
    return join(this.root, ...segments);
  }

  /**
   * The first of these folders under the root that is a symbolic link, or undefined. Each found
   * a real folder is not asked again while this storage lasts (one run): a folder still to be
   * made is, as this run makes it a real one.
   */
  private linkedFolder(segments: readonly string[]): string | undefined {
    let folder = this.root;
    for (const segment of segments) {
      folder = join(folder, segment);
      if (this.realFolders.has(folder)) continue;
      const info = lstatSync(folder, { throwIfNoEntry: false });
      if (info?.isSymbolicLink()) return folder;
      if (info !== undefined) this.realFolders.add(folder);
    }
    return undefined;
  }

  /**
   * Readers see the old file or the new one: rename within one directory replaces it in a single
   * step. Returns the file's stat, taken once it is in place, as the next listing will see it.
   */
  private writeAtomically(path: string, content: Uint8Array, { exclusive }: { exclusive?: string } = {}): Stats {
    const folder = dirname(path);
    if (!this.folders.has(folder)) {
      mkdirSync(folder, { recursive: true });
      this.folders.add(folder);
    }
    const temp = join(folder, `${TEMP_PREFIX}${randomUUID()}`);
    try {
      const fd = openSync(temp, 'wx');
      try {
        for (let written = 0; written < content.byteLength; ) written += writeSync(fd, content, written);
        if (exclusive !== undefined && linkedInto(temp, path, exclusive)) rmSync(temp);
        else renameSync(temp, path);
        // After the rename (or the link and the temp name's removal), which set the file's
        // change time that the listing reads.
        return fstatSync(fd);
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      rmSync(temp, { force: true });
      throw error;
    }
  }
}

/**
 * Inode, change time and size. A put writes a new file and renames it over the old one, so its
 * inode changes; an edit in place changes the times. The change time rather than the
 * modification time: every write sets both, but the modification time can be set back
 * (`touch -r`, `cp -p` over a file, an editor that keeps it) and the change time cannot, so an
 * edit of equal length with its time put back would otherwise list as before and never be
 * published. A `chmod` sets it too, which costs one more read. File systems keep times only to
 * a clock tick (a few milliseconds on Linux), so two edits in place of equal length within one
 * tick look alike: for a folder edited by hand, and written by one run at a time, that is
 * enough. A bucket compares real ETags.
 */
function fileEtag(info: Stats): string {
  return `"${info.ino.toString(36)}-${Math.round(info.ctimeMs * 1000).toString(36)}-${info.size.toString(36)}"`;
}

/**
 * Gives `temp` the name `path` only if no file has it, in one step; false on a file system
 * without hard links (FAT), where the caller renames instead, after its check.
 */
function linkedInto(temp: string, path: string, key: string): boolean {
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new PreconditionFailedError(key, { cause: new Error('another writer made the object first') });
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'ENOSYS') return false;
    throw error;
  }
}

function nonFileReason(info: Stats): string {
  if (info.isSymbolicLink()) return 'a symbolic link, not a file';
  return info.isDirectory() ? 'a folder, not a file' : 'not a regular file';
}

function statIfFile(path: string): Stats | undefined {
  try {
    const info = statSync(path, { throwIfNoEntry: false });
    return info?.isFile() ? info : undefined;
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}

function assertSafeKey(operation: StorageOperation, key: string, reported: string): void {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new StorageError(operation, reported, { cause: new Error(problem) });
}

/**
 * keyProblem for a key walk made of names readdir gave: those are never empty, `.` or `..`, and
 * hold no `/` or NUL, and temp names were passed over, so only a backslash can be wrong. Asked
 * of every file of a listing (20,000 at 10,000 articles), where splitting each key costs.
 */
function walkedKeyProblem(key: string): string | undefined {
  return key.includes('\\') ? keyProblem(key) : undefined;
}

/** Why a key cannot name a file safely inside the root, or undefined when it can. */
function keyProblem(key: string): string | undefined {
  if (key === '') return 'the key is empty';
  if (key.includes('\0')) return 'the key contains a NUL character';
  if (key.includes('\\')) return 'the key contains a backslash';
  if (key.startsWith('/')) return 'the key is absolute';
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'the key has an empty, "." or ".." segment';
  if (segments.some((s) => s.startsWith(TEMP_PREFIX))) return `key segments starting with "${TEMP_PREFIX}" are reserved`;
  return undefined;
}

// A key that is a folder (EISDIR), runs through a file (ENOTDIR) or is a symbolic link that get
// does not follow (ELOOP) names no object, as in a bucket.
function isAbsent(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR' || code === 'ELOOP';
}
