/**
 * ListObjectsV2 pages of the embedded s3rver, as S3 gives them. s3rver 3.7.1 makes and reads
 * its continuation tokens with single DES, which the OpenSSL 3 in Node 20 refuses without
 * `--openssl-legacy-provider`, so every LIST page after the first would answer 500; and its
 * listing is not in S3's order, so a page boundary could repeat or skip keys (listInKeyOrder).
 *
 * Why this route: s3rver's token functions are private to its bucket controller, but its
 * router looks up `getBucket` on the controller's exports on every request. Wrapping that one
 * export in the shared module cache needs no node flag, no edit inside node_modules (so it
 * survives `npm ci`) and no global change to `crypto`: the wrapper swaps the token for a
 * start-after key on the way in, lists the page itself (keys from s3rver's file names, each
 * object's size and ETag from s3rver's own metadata reader), hides the truncation from s3rver
 * (the only case in which it would encrypt) and adds its own token on the way out. */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { compareStrings } from '../text/order.js';

const require = createRequire(import.meta.url);

/** The part of s3rver's listing result that paging needs. */
interface ListResult {
  objects: { key: string }[];
  commonPrefixes: string[];
  isTruncated: boolean;
}

interface ListOptions {
  readonly prefix?: string;
  readonly delimiter?: string;
  readonly startAfter?: string;
  readonly maxKeys?: number;
}

/** The parts of s3rver's FilesystemStore a listing uses. */
interface ListStore {
  listObjects(bucket: string, options: ListOptions): Promise<ListResult>;
  getBucketPath(bucket: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
}

type S3ObjectClass = new (bucket: string, key: string, content: null, metadata: Record<string, string>) => { key: string };

/** The part of a Koa context that s3rver's getBucket reads and writes. */
interface BucketContext {
  query: Record<string, string | string[] | undefined>;
  querystring: string;
  params: { bucket: string };
  store: ListStore;
  body: unknown;
}

type GetBucket = ((ctx: BucketContext) => Promise<void>) & { [wrapped]?: true };

interface BucketController {
  getBucket: GetBucket;
}

type S3ErrorClass = new (code: string, message: string, detail?: Record<string, string>) => Error;

interface ListBucketResultBody {
  ListBucketResult?: {
    StartAfter?: string;
    ContinuationToken?: string;
    NextContinuationToken?: string;
    IsTruncated?: boolean;
  };
}

const wrapped = Symbol('feedpress.listPagination');

/** An opaque token naming the bucket and the last key of the page it continues. */
export function encodeContinuationToken(bucket: string, lastKey: string): string {
  return Buffer.from(JSON.stringify([bucket, lastKey]), 'utf8').toString('base64url');
}

/** The key to list after, or undefined when the token was not made by us for this bucket. */
export function decodeContinuationToken(token: string, bucket: string): string | undefined {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [tokenBucket, lastKey] = decoded as unknown[];
  return tokenBucket === bucket && typeof lastKey === 'string' ? lastKey : undefined;
}

/**
 * Makes s3rver's ListObjectsV2 paging work on any Node; safe to call more than once. It acts
 * on s3rver's shared module instance, so it covers every s3rver in this process.
 */
export function installListPagination(): void {
  // The same module instances s3rver's router uses: require resolves to the same files and
  // Node's CommonJS cache hands back the already loaded objects.
  const controller = require('s3rver/lib/controllers/bucket.js') as BucketController;
  const S3Error = require('s3rver/lib/models/error.js') as S3ErrorClass;
  const original = controller.getBucket;
  if (typeof original !== 'function') {
    throw new Error('s3rver no longer exports getBucket from lib/controllers/bucket.js; revisit src/local/s3rver-pagination.ts');
  }
  if (original[wrapped]) return;

  const getBucket: GetBucket = async (ctx) => {
    if (ctx.query['list-type'] !== '2') return original(ctx);

    const token = ctx.query['continuation-token'];
    const querystring = ctx.querystring;
    const store = ctx.store;
    let startAfter: string | undefined;
    if (token) {
      startAfter = typeof token === 'string' ? decodeContinuationToken(token, ctx.params.bucket) : undefined;
      if (startAfter === undefined) {
        throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
      }
      // Like S3, a continuation token wins over any start-after sent with it.
      const query: BucketContext['query'] = { ...ctx.query, 'start-after': startAfter };
      delete query['continuation-token'];
      ctx.query = query;
    }

    let nextAfter: string | undefined;
    ctx.store = Object.create(store, {
      listObjects: {
        value: async (bucket: string, options: ListOptions): Promise<ListResult> => {
          const { result, lastEntry } = await listInKeyOrder(store, bucket, options);
          if (!result.isTruncated) return result;
          // The next page starts after the last key (or common prefix) of this one.
          nextAfter = lastEntry;
          return { ...result, isTruncated: false };
        },
      },
    }) as ListStore;

    try {
      await original(ctx);
    } finally {
      ctx.store = store;
      // s3rver's request log line reads the URL after the response.
      ctx.querystring = querystring;
    }

    const listing = (ctx.body as ListBucketResultBody | undefined)?.ListBucketResult;
    if (!listing) return;
    if (typeof token === 'string' && token) {
      listing.StartAfter = undefined;
      listing.ContinuationToken = token;
    }
    if (nextAfter !== undefined) {
      listing.IsTruncated = true;
      listing.NextContinuationToken = encodeContinuationToken(ctx.params.bucket, nextAfter);
    }
  };
  getBucket[wrapped] = true;
  controller.getBucket = getBucket;
}

/** s3rver keeps an object's bytes in a file named after the key's last part with this suffix. */
const OBJECT_SUFFIX = '._S3rver_object';

/**
 * One ListObjectsV2 page in S3's order. s3rver's own listing walks folders depth first and
 * compares keys as JavaScript strings, which is not S3's order on two counts: the keys under
 * `a/` come before `a-b` and `a.txt` (which S3 lists first, `-` and `.` being below `/`), and
 * a name with a character above U+E000 sorts after one with an emoji in UTF-8 but before it in
 * UTF-16. A page that ended in such a place made the next one list keys again, or skip keys
 * (with photos kept under `articles/2024/`, every page `articles/2024-…` after the first 1,000
 * keys), so a run took pages for missing and wrote them again. Here every key under the prefix
 * is found from the file names alone, ordered as S3 orders them, and the metadata (size, ETag)
 * is read for one page's objects only.
 */
async function listInKeyOrder(
  store: ListStore,
  bucket: string,
  options: ListOptions,
): Promise<{ result: ListResult; lastEntry: string | undefined }> {
  const { prefix = '', delimiter = '', startAfter = '', maxKeys = 1000 } = options;
  const S3Object = require('s3rver/lib/models/object.js') as S3ObjectClass;
  const keys = await keysUnder(store.getBucketPath(bucket), prefix);
  // With a delimiter, a key with one after the prefix is folded into its common prefix.
  const entries = new Map<string, 'key' | 'prefix'>();
  for (const key of keys) {
    const at = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    if (at < 0) entries.set(key, 'key');
    else entries.set(key.slice(0, at + delimiter.length), 'prefix');
  }
  // compareStrings is code point order, which is S3's: UTF-8 bytes.
  const ordered = [...entries.keys()].filter((entry) => compareStrings(entry, startAfter) > 0).sort(compareStrings);
  const page = ordered.slice(0, maxKeys);
  const objects = await Promise.all(
    page
      .filter((entry) => entries.get(entry) === 'key')
      .map(async (key) => {
        try {
          return new S3Object(bucket, key, null, await store.getMetadata(bucket, key));
        } catch (error) {
          // Deleted since its name was read: not listed, as S3 would not list it.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw error;
        }
      }),
  );
  return {
    result: {
      objects: objects.filter((object) => object !== undefined),
      commonPrefixes: page.filter((entry) => entries.get(entry) === 'prefix'),
      isTruncated: ordered.length > page.length,
    },
    lastEntry: page.at(-1),
  };
}

/** Every object key of the bucket folder that starts with `prefix`, from the names of its object files. */
async function keysUnder(bucketPath: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  // Only the folders a key with the prefix can be in: those the prefix's folder part names.
  const cut = prefix.lastIndexOf('/');
  const base = cut < 0 ? '' : prefix.slice(0, cut + 1);
  // No key has an empty, `.` or `..` segment (s3rver could not store one), and a prefix with one
  // must not walk out of the bucket's folder (`../other-bucket/`): nothing is listed, as by S3.
  if (
    base
      .slice(0, -1)
      .split('/')
      .some((segment) => segment === '' || segment === '.' || segment === '..') &&
    base !== ''
  )
    return [];
  const walk = async (relative: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(join(bucketPath, relative), { withFileTypes: true });
    } catch (error) {
      // A folder emptied and removed by a delete while it was walked.
      // A name too long for a file (S3 takes keys of up to 1,024 bytes) or with a NUL in it: no
      // object is stored under it, as S3 would list none.
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'ERR_INVALID_ARG_VALUE') return;
      throw error;
    }
    for (const entry of entries) {
      const path = `${relative}${entry.name}`;
      if (entry.isDirectory()) {
        const folder = `${path}/`;
        if (folder.startsWith(prefix) || prefix.startsWith(folder)) await walk(folder);
      } else if (entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX)) {
        const key = path.slice(0, -OBJECT_SUFFIX.length);
        if (key.startsWith(prefix)) keys.push(key);
      }
    }
  };
  await walk(base);
  return keys;
}
