/** An S3 server (s3rver) inside this process, for `npm start` and the tests: no Docker, no account. */
import type { Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import S3rver from 's3rver';
import { type Middleware, readerRequests } from './reader-requests.js';
import { makeObjectsConsistent, type ObjectStore } from './s3rver-consistency.js';
import { installListPagination } from './s3rver-pagination.js';

/** s3rver accepts any well-formed signature made with these fixed keys. */
export const localS3Credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
/** The SDK must be given some region to sign with; s3rver ignores it. */
export const localS3Region = 'us-east-1';

export interface EmbeddedS3Options {
  /** Where objects are kept; reusing it across restarts keeps the objects. */
  directory: string;
  /** 0 picks any free port. Default 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Created at start if it does not exist yet. */
  bucket: string;
  /** Silences s3rver's per-request log lines. Default true. */
  silent?: boolean;
}

export interface EmbeddedS3 {
  /** Path-style endpoint, e.g. http://127.0.0.1:4568; objects are at `${endpoint}/${bucket}/${key}`. */
  readonly endpoint: string;
  readonly port: number;
  readonly bucket: string;
  close(): Promise<void>;
}

/** Starts s3rver inside this process, so local runs and tests need no separate server. */
export async function startEmbeddedS3(options: EmbeddedS3Options): Promise<EmbeddedS3> {
  const host = options.host ?? '127.0.0.1';
  // Without this, every ListObjectsV2 page after the first answers 500 on Node 20 (s3rver
  // encrypts its continuation tokens with DES, which OpenSSL 3 refuses).
  installListPagination();
  const server = new S3rver({
    address: host,
    port: options.port ?? 0,
    directory: options.directory,
    silent: options.silent ?? true,
    resetOnClose: false,
    // Only path-style URLs are used; otherwise any host name other than an IP or "localhost"
    // (say, the machine's LAN name) would be taken for a bucket name.
    vhostBuckets: false,
    configureBuckets: [{ name: options.bucket }],
  });
  // A reader polling while a run writes gets whole objects, old or new.
  makeObjectsConsistent((server as unknown as { store: ObjectStore }).store);
  // First of s3rver's Koa middleware, before its router: what a reader's unsigned request may do.
  (server as unknown as { middleware: Middleware[] }).middleware.unshift(readerRequests());
  // s3rver's listen resolves only on success: a port in use would be an unhandled 'error' event
  // with a stack trace, not a rejection. Trying the port first turns it into an error with its code.
  if (options.port !== undefined && options.port !== 0) await portIsFree(options.port, host);
  const address = await server.run();
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    endpoint: `http://${urlHost}:${address.port}`,
    port: address.port,
    bucket: options.bucket,
    close: async () => {
      // http.Server#close waits for every open connection, without end for one a client opened
      // and never used (browsers open such connections ahead): those are dropped, so Ctrl-C stops.
      const closing = server.close();
      (server as unknown as { httpServer?: HttpServer }).httpServer?.closeAllConnections();
      await closing;
    },
  };
}

/** Resolves when `port` can be listened on at `host`; rejects with the listen error (EADDRINUSE) when not. */
function portIsFree(port: number, host: string): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolvePort()));
  });
}
