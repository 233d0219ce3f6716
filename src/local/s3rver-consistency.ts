/**
 * What a reader of the embedded S3 gets while a run writes: the whole old object or the whole
 * new one, as from S3. s3rver 3.7.1 writes an object over its file in place, and answers the PUT
 * before the bytes are on disk; its metadata (the length a GET answers with) is written after,
 * in place too. So a GET during a PUT, or right after one, could get a truncated body, or the
 * old length over new bytes: a feed reader polling while `npm start` republishes would read
 * broken XML now and then.
 *
 * Wrapped on the store instance, so nothing in node_modules changes:
 *  - A PUT writes each of its files whole: to a temp file beside it (which s3rver's listing,
 *    taking only files that end in its object suffix, never sees), renamed over it once complete.
 *  - Per key, a write, a delete and a read (its metadata and the opening of its file) happen one
 *    at a time. A read stream opened before a rename goes on reading the file it opened, so only
 *    the opening waits.
 *  - A key too long for the object's files is refused before any is written.
 *  - A process stopped part way leaves temp files, which the next start removes
 *    (removeLeftoverWrites), and objects whose ETag is that of their bytes.
 *  - A delete that empties a folder and a put into it both go through.
 *
 * Not covered: a listing reads each object's size and MD5 without waiting for its key, so one
 * made while the same objects are rewritten may pair a size with the other version's ETag. The
 * publisher lists before it writes, and one run goes at a time.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';

/** An object as s3rver's controllers hand it to the store. */
interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Buffer | Readable;
  readonly metadata: Record<string, string>;
}

/** The part of s3rver's FilesystemStore this wraps. */
export interface ObjectStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
  getObject(bucket: string, key: string, options?: unknown): Promise<unknown>;
  listObjects(bucket: string, options: unknown): Promise<unknown>;
  deleteObject(bucket: string, key: string): Promise<void>;
}

const wrapped = Symbol('feedpress.consistentObjects');
const require = createRequire(import.meta.url);
/** s3rver's S3Object.ALLOWED_METADATA: the headers it stores with an object. */
const ALLOWED_METADATA = new Set<string>(
  (require('s3rver/lib/models/object.js') as { ALLOWED_METADATA: readonly string[] }).ALLOWED_METADATA,
);
type S3ErrorClass = new (code: string, message: string, detail?: Record<string, string>) => Error;

/** A write's temp file: short, and not named after the object, whose own name may be near the limit. */
const tempName = () => `.put-${randomUUID().slice(0, 8)}.tmp`;
const TEMP_FILE = /^\.put-[0-9a-f]{8}\.tmp$/;

/** The longest file name, in bytes, on the file systems a data folder lives on. */
const NAME_MAX = 255;

/** Makes the store's object writes whole and its reads of one key wait for that key's writes. */
export function makeObjectsConsistent(store: ObjectStore): void {
  const marked = store as ObjectStore & { [wrapped]?: true };
  if (marked[wrapped]) return;
  marked[wrapped] = true;
  const getObject = store.getObject.bind(store);
  const listObjects = store.listObjects.bind(store);
  const deleteObject = store.deleteObject.bind(store);
  const queue = new KeyQueue();

  /**
   * A file written whole under its name: a listing, which reads every object's metadata
   * without waiting for its key, never parses half a metadata file (a 500) or an empty MD5.
   * A delete that empties the folder may remove it between the two steps: made again, then
   * the write is tried again.
   */
  const writeWhole = (path: string, content: Buffer | string) =>
    againWhileGone(3, async (attempt) => {
      if (attempt > 1) await ensureFolder(dirname(path));
      const temp = join(dirname(path), tempName());
      try {
        await writeFile(temp, content);
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
    });
  store.putMetadata = async (bucket, key, metadata, md5) => {
    // s3rver's own writes, each whole: the MD5 first, as it does.
    const json = storedMetadata(metadata);
    if (md5) await writeWhole(store.getResourcePath(bucket, key, 'object.md5'), md5);
    await writeWhole(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(json, null, 2));
  };

  const S3Error = require('s3rver/lib/models/error.js') as S3ErrorClass;
  store.putObject = (object) =>
    queue.run(`${object.bucket}/${object.key}`, async () => {
      const path = store.getResourcePath(object.bucket, object.key, 'object');
      // The longest of the object's three files: refused before any is written, so no half of
      // an object is left that the listing would then fail on.
      if (Buffer.byteLength(basename(store.getResourcePath(object.bucket, object.key, 'metadata.json'))) > NAME_MAX) {
        throw new S3Error('KeyTooLongError', 'Your key is too long', { Key: object.key });
      }
      // The bytes are written whole before anything of the old object changes (writeWhole's
      // retry, for a delete that emptied the folder meanwhile, needs them in a buffer: objects
      // here are pages and feeds).
      const body = Buffer.isBuffer(object.content) ? object.content : await buffer(object.content);
      const md5 = createHash('md5').update(body);
      const size = body.length;
      await ensureFolder(dirname(path));
      // Without its MD5 file, s3rver computes the ETag from the bytes: a process stopped
      // between the new bytes and their MD5 file leaves an object whose ETag is still its own.
      await rm(store.getResourcePath(object.bucket, object.key, 'object.md5'), { force: true });
      await writeWhole(path, body);
      const digest = md5.digest('hex');
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      return { size, md5: digest };
    });
  // s3rver's listing reads a folder, then looks at each file in it: a temp file renamed, or an
  // MD5 file removed, between the two fails the whole listing. Listed again, a moment later.
  store.listObjects = (bucket, options) => againWhileGone(5, () => listObjects(bucket, options));
  store.getObject = (bucket, key, options) => queue.run(`${bucket}/${key}`, () => getObject(bucket, key, options));
  store.deleteObject = (bucket, key) =>
    queue.run(`${bucket}/${key}`, async () => {
      try {
        await deleteObject(bucket, key);
      } catch (error) {
        // The object's files are gone by then (s3rver ignores their absence); what fails is its
        // removal of the folders it emptied, when a put into one (ENOTEMPTY) or another delete
        // (ENOENT) came first. The object is deleted either way.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'ENOENT') throw error;
      }
    });
}

/**
 * `act`, tried again (`attempts` times in all) while it fails because a file or folder it needed
 * went away meanwhile (ENOENT): a delete that emptied a folder, a temp file renamed.
 */
async function againWhileGone<T>(attempts: number, act: (attempt: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await act(attempt);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === attempts) throw error;
    }
  }
}

/** Makes a folder and its parents; a delete removing one it emptied meanwhile makes it try again. */
function ensureFolder(path: string): Promise<void> {
  return againWhileGone(3, async () => {
    await mkdir(path, { recursive: true });
  });
}

/** What s3rver keeps of a PUT's headers: the ones an object is served with, and user metadata. */
function storedMetadata(metadata: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(metadata)) {
    if (ALLOWED_METADATA.has(name) || name.startsWith('x-amz-meta-')) kept[name] = value;
  }
  return kept;
}

/**
 * Removes the temp files of writes a stopped process left in a data folder: named so that no
 * object's file can look like one. Called with the folder locked, so no write is in progress.
 */
export async function removeLeftoverWrites(directory: string): Promise<number> {
  let removed = 0;
  const entries = await readdir(directory, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !TEMP_FILE.test(entry.name)) continue;
    await rm(join(entry.parentPath ?? entry.path, entry.name), { force: true });
    removed++;
  }
  return removed;
}

/** Tasks on the same key run one after another, in the order they came; other keys do not wait. */
class KeyQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(id: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(id) ?? Promise.resolve();
    const result = before.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(id, tail);
    void tail.then(() => {
      if (this.tails.get(id) === tail) this.tails.delete(id);
    });
    return result;
  }
}
