/**
 * What a reader of the embedded S3 gets while a run writes: the whole old object or the whole
 * new one, as from S3. s3rver 3.7.1 writes an object over its file in place, and answers the PUT
 * before the bytes are on disk; its metadata (the length a GET answers with) is written after,
 * in place too. So a GET during a PUT, or right after one, could get a truncated body, or the
 * old length over new bytes: a feed reader polling while `npm start` republishes would read
 * broken XML now and then.
 *
 * Wrapped on the store instance, so nothing in node_modules changes: a PUT writes its bytes to
 * a temp file beside the object (which s3rver's listing, taking only files that end in its
 * object suffix, never sees) and renames it over the object once complete; and per key, a write, a
 * delete and a read (its metadata and the opening of the file) happen one at a time. A read
 * stream opened before a rename goes on reading the file it opened, so only the opening needs to
 * wait.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

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
  deleteObject(bucket: string, key: string): Promise<void>;
}

const wrapped = Symbol('feedpress.consistentObjects');

/** Makes the store's object writes whole and its reads of one key wait for that key's writes. */
export function makeObjectsConsistent(store: ObjectStore): void {
  const marked = store as ObjectStore & { [wrapped]?: true };
  if (marked[wrapped]) return;
  marked[wrapped] = true;
  const getObject = store.getObject.bind(store);
  const deleteObject = store.deleteObject.bind(store);
  const queue = new KeyQueue();

  store.putObject = (object) =>
    queue.run(`${object.bucket}/${object.key}`, async () => {
      const path = store.getResourcePath(object.bucket, object.key, 'object');
      await mkdir(dirname(path), { recursive: true });
      // Short, and not named after the object: its own name may already be near the 255 bytes a file name may have.
      const temp = join(dirname(path), `.${randomUUID().slice(0, 8)}.tmp`);
      const md5 = createHash('md5');
      let size = 0;
      try {
        if (Buffer.isBuffer(object.content)) {
          md5.update(object.content);
          size = object.content.length;
          await writeFile(temp, object.content);
        } else {
          await pipeline(
            object.content,
            async function* (chunks: AsyncIterable<Buffer>) {
              for await (const chunk of chunks) {
                md5.update(chunk);
                size += chunk.length;
                yield chunk;
              }
            },
            createWriteStream(temp),
          );
        }
        await rename(temp, path);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      const digest = md5.digest('hex');
      await store.putMetadata(object.bucket, object.key, object.metadata, digest);
      return { size, md5: digest };
    });
  store.getObject = (bucket, key, options) => queue.run(`${bucket}/${key}`, () => getObject(bucket, key, options));
  store.deleteObject = (bucket, key) => queue.run(`${bucket}/${key}`, () => deleteObject(bucket, key));
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
