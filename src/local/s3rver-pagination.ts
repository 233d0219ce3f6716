/**
 * ListObjectsV2 continuation tokens for the embedded s3rver. s3rver 3.7.1 makes and reads
 * them with single DES, which the OpenSSL 3 in Node 20 refuses without
 * `--openssl-legacy-provider`, so every LIST page after the first would answer 500.
 *
 * Why this route: s3rver's token functions are private to its bucket controller, but its
 * router looks up `getBucket` on the controller's exports on every request. Wrapping that one
 * export in the shared module cache needs no node flag, no edit inside node_modules (so it
 * survives `npm ci`), no global change to `crypto`, and no copy of s3rver's listing code: the
 * wrapper only swaps the token for a start-after key on the way in, and hides the truncation
 * from s3rver (the only case in which it would encrypt) to add its own token on the way out.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The part of s3rver's listing result that paging needs. */
interface ListResult {
  objects: { key: string }[];
  isTruncated: boolean;
}

interface ListStore {
  listObjects(bucket: string, options: { startAfter?: string }): Promise<ListResult>;
}

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
        value: async (bucket: string, options: { startAfter?: string }): Promise<ListResult> => {
          const result = await store.listObjects(bucket, options);
          if (!result.isTruncated) return result;
          // The next page starts after the last key of this one. If every key of a full page
          // vanished while it was listed, asking again from the same place still moves on.
          nextAfter = result.objects.at(-1)?.key ?? options.startAfter ?? '';
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
