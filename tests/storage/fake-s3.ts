/**
 * A small S3 over HTTP (path style), so that the SDK's own request and response handling runs:
 * ListObjectsV2 in UTF-8 byte order with pages, delimiters, opaque tokens and StorageClass,
 * control characters in keys sent as numeric character references as S3 sends them,
 * GET/HEAD/PUT/DELETE, conditional PUT, objects in an archive class refused with 403
 * InvalidObjectState, ETags that need not be the MD5 of the bytes, and a hook to answer a
 * request some other way (an error, a stall, half a body).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const FAKE_BUCKET = 'feeds-bucket';

/** S3's ETag for a single-part PUT without SSE-KMS: the MD5 of the bytes, in quotes. */
export const md5Etag = (bytes: Uint8Array) => `"${createHash('md5').update(bytes).digest('hex')}"`;

export interface FakeObject {
  readonly body: Buffer;
  /** The ETag S3 gave it; the MD5 of its bytes when left out. */
  readonly etag?: string;
  readonly contentType?: string;
  readonly cacheControl?: string;
  /** STANDARD when left out. */
  readonly storageClass?: string;
}

export interface FakeRequest {
  readonly method: string;
  readonly key: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export type FakeAction =
  /** Never answers. */
  | { readonly kind: 'stall' }
  /** PutObject: stores the object, then never answers (the response is lost on the way). */
  | { readonly kind: 'apply-then-stall' }
  /** GetObject: sends the headers and half of the body, then stops. */
  | { readonly kind: 'stall-mid-body' }
  /** Answers with this status and, when a code is given, S3's XML error body. */
  | { readonly kind: 'answer'; readonly status: number; readonly code?: string };

export interface FakeS3 {
  readonly endpoint: string;
  readonly objects: Map<string, FakeObject>;
  readonly requests: FakeRequest[];
  /** Entries (objects and common prefixes) per ListObjectsV2 page. */
  pageSize: number;
  /** The ETag a PutObject gets: the MD5 of the bytes with SSE-S3, something else with SSE-KMS. */
  etagOnPut: (body: Buffer) => string;
  /** What to do instead of answering normally; undefined: answer as S3 would. */
  plan: ((request: FakeRequest) => FakeAction | undefined) | undefined;
  /** An empty bucket that answers as S3 does. */
  reset(): void;
  close(): Promise<void>;
}

const etagOf = (object: FakeObject) => object.etag ?? md5Etag(object.body);
const ARCHIVE_CLASSES = new Set(['GLACIER', 'DEEP_ARCHIVE']);

/** As S3 escapes text in its XML: the five specials, CR and the other control characters as character references. */
function xmlText(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '&') out += '&amp;';
    else if (char === '<') out += '&lt;';
    else if (char === '>') out += '&gt;';
    else if (char === '"') out += '&quot;';
    else if (code < 0x20 && char !== '\n' && char !== '\t') out += `&#x${code.toString(16).toUpperCase()};`;
    else out += char;
  }
  return out;
}

/** Answers as S3 does when it refuses: the status and an XML body naming the error code. */
function sendError(res: ServerResponse, status: number, code: string): ServerResponse {
  res.writeHead(status, { 'content-type': 'application/xml' });
  return res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${code} from the fake S3</Message><RequestId>fake</RequestId></Error>`,
  );
}

export async function startFakeS3(): Promise<FakeS3> {
  const objects = new Map<string, FakeObject>();
  const requests: FakeRequest[] = [];
  // Tokens hold "+", "/" and "=" as real ones do, so they only come back right if the SDK encodes them.
  const tokens = new Map<string, number>();

  function list(request: FakeRequest, res: ServerResponse): ServerResponse {
    const prefix = request.query.get('prefix') ?? '';
    const delimiter = request.query.get('delimiter') ?? '';
    const token = request.query.get('continuation-token');
    // S3 lists in the binary order of the keys' UTF-8 bytes.
    const keys = [...objects.keys()].filter((key) => key.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const entries: ({ key: string } | { commonPrefix: string })[] = [];
    for (const key of keys) {
      const cut = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
      if (cut === -1) {
        entries.push({ key });
        continue;
      }
      const commonPrefix = key.slice(0, cut + delimiter.length);
      const last = entries.at(-1);
      if (!(last && 'commonPrefix' in last && last.commonPrefix === commonPrefix)) entries.push({ commonPrefix });
    }
    let start = 0;
    if (token !== null) {
      const found = tokens.get(token);
      if (found === undefined) return sendError(res, 400, 'InvalidArgument');
      start = found;
    }
    const page = entries.slice(start, start + fake.pageSize);
    const truncated = start + fake.pageSize < entries.length;
    let next = '';
    if (truncated) {
      next = `1ue+Gcx/${tokens.size + 1}+pQ==`;
      tokens.set(next, start + fake.pageSize);
    }
    const parts = page.map((entry) => {
      if ('commonPrefix' in entry) return `<CommonPrefixes><Prefix>${xmlText(entry.commonPrefix)}</Prefix></CommonPrefixes>`;
      const object = objects.get(entry.key)!;
      return `<Contents><Key>${xmlText(entry.key)}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>${xmlText(etagOf(object))}</ETag><Size>${object.body.byteLength}</Size><StorageClass>${object.storageClass ?? 'STANDARD'}</StorageClass></Contents>`;
    });
    res.writeHead(200, { 'content-type': 'application/xml' });
    return res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${FAKE_BUCKET}</Name><Prefix>${xmlText(prefix)}</Prefix>` +
        `${delimiter ? `<Delimiter>${xmlText(delimiter)}</Delimiter>` : ''}<KeyCount>${page.length}</KeyCount><MaxKeys>1000</MaxKeys>` +
        `${token !== null ? `<ContinuationToken>${xmlText(token)}</ContinuationToken>` : ''}` +
        `${truncated ? `<NextContinuationToken>${xmlText(next)}</NextContinuationToken>` : ''}<IsTruncated>${truncated}</IsTruncated>${parts.join('')}</ListBucketResult>`,
    );
  }

  /** The response, or undefined when the server leaves the request unanswered. */
  function serve(request: FakeRequest, body: Buffer, res: ServerResponse, bucket: string): ServerResponse | undefined {
    const action = fake.plan?.(request);
    if (action?.kind === 'stall') return undefined;
    if (action?.kind === 'answer') {
      if (action.code !== undefined) return sendError(res, action.status, action.code);
      res.writeHead(action.status);
      return res.end();
    }
    if (bucket !== FAKE_BUCKET) return sendError(res, 404, 'NoSuchBucket');
    const { method, key, headers } = request;
    if (method === 'GET' && key === '' && request.query.get('list-type') === '2') return list(request, res);
    const current = objects.get(key);
    if (method === 'GET' || method === 'HEAD') {
      if (!current) {
        if (method === 'HEAD') {
          res.writeHead(404);
          return res.end();
        }
        return sendError(res, 404, 'NoSuchKey');
      }
      // An archived object answers HEAD, but not GET, until it is restored.
      if (method === 'GET' && ARCHIVE_CLASSES.has(current.storageClass ?? '')) return sendError(res, 403, 'InvalidObjectState');
      res.writeHead(200, {
        etag: etagOf(current),
        'content-length': String(current.body.byteLength),
        'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT',
        'x-amz-storage-class': current.storageClass ?? 'STANDARD',
        ...(current.contentType !== undefined && { 'content-type': current.contentType }),
        ...(current.cacheControl !== undefined && { 'cache-control': current.cacheControl }),
      });
      if (method === 'HEAD') return res.end();
      if (action?.kind === 'stall-mid-body') {
        res.write(current.body.subarray(0, current.body.byteLength >> 1));
        return res;
      }
      return res.end(current.body);
    }
    if (method === 'PUT') {
      const ifMatch = headers['if-match'];
      if (headers['if-none-match'] === '*' && current) return sendError(res, 412, 'PreconditionFailed');
      if (ifMatch !== undefined && !current) return sendError(res, 404, 'NoSuchKey');
      if (ifMatch !== undefined && current && etagOf(current) !== ifMatch) return sendError(res, 412, 'PreconditionFailed');
      const etag = fake.etagOnPut(body);
      const contentType = headers['content-type'];
      const cacheControl = headers['cache-control'];
      objects.set(key, {
        body,
        etag,
        storageClass: 'STANDARD',
        ...(contentType !== undefined && { contentType }),
        ...(cacheControl !== undefined && { cacheControl }),
      });
      if (action?.kind === 'apply-then-stall') return undefined;
      res.writeHead(200, { etag });
      return res.end();
    }
    if (method === 'DELETE') {
      objects.delete(key);
      res.writeHead(204);
      return res.end();
    }
    return sendError(res, 405, 'MethodNotAllowed');
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake-s3');
      const [, bucket = '', ...rest] = url.pathname.split('/');
      const request: FakeRequest = {
        method: req.method ?? 'GET',
        key: decodeURIComponent(rest.join('/')),
        query: url.searchParams,
        headers: req.headers,
      };
      requests.push(request);
      serve(request, Buffer.concat(chunks), res, decodeURIComponent(bucket));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const fake: FakeS3 = {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    requests,
    pageSize: 1000,
    etagOnPut: md5Etag,
    plan: undefined,
    reset: () => {
      objects.clear();
      requests.length = 0;
      fake.pageSize = 1000;
      fake.etagOnPut = md5Etag;
      fake.plan = undefined;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
