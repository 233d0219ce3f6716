#!/usr/bin/env node
// Bundles every Lambda entry point in handlers/ into dist/<name>/index.mjs with esbuild,
// and copies seeds/ next to each bundle (the publish code reads seeds from beside its bundle
// by default).
//
// Usage: node scripts/build.mjs [--outdir DIR] [name ...]
//   name       handler to build, e.g. publish (default: every handlers/*.ts exporting `handler`)
//   --outdir   where the <name>/ folders go (default: dist); tests build into a temp folder
import { build } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const handlersDir = join(root, 'handlers');
const seedsDir = join(root, 'seeds');

const { values: options, positionals: names } = parseArgs({
  options: { outdir: { type: 'string', default: join(root, 'dist') } },
  allowPositionals: true,
});
const distDir = resolve(options.outdir);

// Some bundled dependencies are CommonJS and require() Node built-ins (sax, which `feed` pulls
// in through xml-js, loads 'stream'). An ES module has no require, so esbuild's stand-in would
// throw "Dynamic require of ... is not supported" at run time; createRequire supplies a real one.
// It costs two lines and also covers a dependency added later.
const banner = [
  "import { createRequire as __feedpressCreateRequire } from 'node:module';",
  'const require = __feedpressCreateRequire(import.meta.url);',
].join('\n');

// `serverless invoke local` loads a Node handler with require() and only tries .js and .cjs,
// never .mjs, so each bundle gets a small CommonJS door to it. The Lambda runtime resolves
// index.mjs first, and the door is kept out of the deployment package (serverless.yml).
const invokeLocalShim = `'use strict';
// Lets \`serverless invoke local\` (which require()s handlers) reach the ESM bundle.
exports.handler = async (event, context) => (await import('./index.mjs')).handler(event, context);
`;

// An entry point is a handlers/*.ts file that exports `handler`; the other files there are
// modules the entry points import (e.g. event parsing) and get bundled into them.
const exportsHandler = (source) =>
  /export\s+(?:const|let|var|(?:async\s+)?function)\s+handler\b/.test(source) ||
  /export\s*\{[^}]*\bhandler\b[^}]*\}/.test(source);

function entryPoints(names) {
  if (!existsSync(handlersDir)) throw new Error(`no handlers/ directory in ${root}`);
  const all = readdirSync(handlersDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !/\.test\.ts$/.test(f))
    .filter((f) => exportsHandler(readFileSync(join(handlersDir, f), 'utf8')))
    .map((f) => basename(f, '.ts'))
    .sort();
  const wanted = names.length > 0 ? names : all;
  const unknown = wanted.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new Error(`no such handler: ${unknown.join(', ')} (have: ${all.join(', ') || 'none'})`);
  if (wanted.length === 0) throw new Error('no file in handlers/ exports a `handler`');
  return wanted;
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

async function buildOne(name) {
  const outDir = join(distDir, name);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const result = await build({
    entryPoints: [join(handlersDir, `${name}.ts`)],
    outfile: join(outDir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Prefer the packages' ES module builds (the AWS SDK ships both): smaller and tree-shakable.
    mainFields: ['module', 'main'],
    minify: true,
    // A separate map file, without the sources themselves: stack traces map back to the
    // TypeScript lines (NODE_OPTIONS=--enable-source-maps) at a fraction of the size.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    banner: { js: banner },
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: root,
  });

  writeFileSync(join(outDir, 'index.cjs'), invokeLocalShim);
  if (existsSync(seedsDir)) cpSync(seedsDir, join(outDir, 'seeds'), { recursive: true });

  const bundleBytes = statSync(join(outDir, 'index.mjs')).size;
  const mapBytes = statSync(join(outDir, 'index.mjs.map')).size;
  const inputs = Object.entries(result.metafile.outputs[relative(root, join(outDir, 'index.mjs'))]?.inputs ?? {});
  const sdkBytes = inputs
    .filter(([path]) => /node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//.test(path))
    .reduce((sum, [, info]) => sum + info.bytesInOutput, 0);
  console.log(
    `${relative(process.cwd(), outDir) || '.'}/index.mjs ${kib(bundleBytes)} (AWS SDK ${kib(sdkBytes)}), map ${kib(mapBytes)}` +
      (existsSync(seedsDir) ? ', seeds copied' : ''),
  );
}

try {
  for (const name of entryPoints(names)) await buildOne(name);
} catch (error) {
  // esbuild has already printed its own diagnostics; anything else gets one line.
  if (!error?.errors) console.error(`build failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
}
