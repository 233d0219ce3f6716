#!/usr/bin/env node
// Bundles the project's entry points with esbuild into <outdir>/<target>/index.mjs (plus its
// source map), so nothing compiles TypeScript at run time:
//   - every Lambda entry point in handlers/ (a .ts file there that exports `handler`), e.g.
//     publish → dist/publish/index.mjs, with seeds/ copied next to it (the publish code reads
//     seeds from beside its bundle by default) and a CommonJS door for `serverless invoke local`;
//   - cli   src/cli.ts         → dist/cli/index.mjs    (`npm run cli`), everything bundled;
//   - start src/local/start.ts → dist/start/index.mjs  (`npm start`), with s3rver left external
//     (a CommonJS dev tool of many files, installed by `npm ci` as a dev dependency).
//
// Usage: node scripts/build.mjs [--outdir DIR] [--quiet] [target ...]
//   target     what to build: a handler name (e.g. publish), cli or start (default: all of them)
//   --outdir   where the <target>/ folders go (default: dist); tests build into a temp folder
//   --quiet    print nothing but warnings and errors (npm start and npm run cli build first)
//
// Examples: `node scripts/build.mjs` (everything, what `npm run build` does),
// `node scripts/build.mjs publish` (the Lambda bundle only), `node scripts/build.mjs cli start`.
// A target takes a fraction of a second, so `npm start` and `npm run cli` rebuild on every run.
//
// The source map is written next to each bundle but is not deployed (serverless.yml): it maps
// a stack trace from the Lambda's logs back to the TypeScript lines (README, "Design choices").
//
// Importable too: esbuildOptions() gives the settings every bundle here is built with, so a
// benchmark can bundle another entry point the same way (bench/cold-start.mjs).
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const handlersDir = join(root, 'handlers');
const seedsDir = join(root, 'seeds');

// Local entry points: the commands a developer runs on this machine, not deployed.
const LOCAL_TARGETS = {
  cli: { entry: join(root, 'src', 'cli.ts'), external: [] },
  start: { entry: join(root, 'src', 'local', 'start.ts'), external: ['s3rver', 's3rver/*'] },
};

// Bundled CommonJS code may call require() at run time: the AWS SDK tries to load its optional
// CRT signer that way, and a CommonJS dependency added later may load a Node built-in. An ES
// module has no require, so esbuild's stand-in would throw "Dynamic require of ... is not
// supported" where a real one answers (or fails as the SDK expects); createRequire supplies a
// real one. It costs two lines.
const banner = [
  "import { createRequire as __feedpressCreateRequire } from 'node:module';",
  'const require = __feedpressCreateRequire(import.meta.url);',
].join('\n');

// The AWS SDK describes every operation of a service as data (schemas/schemas_0.js): about
// 130 KB for S3's hundred-odd operations, of which the client needs the few it sends. Those
// descriptions are arrays with computed keys (`{ [_h]: [...] }`, `_h` being a string constant
// of the same file), and esbuild must assume a computed key might run code, so it keeps every
// one. Writing the constant's string in place of the name (`{ ["http"]: [...] }`) changes no
// value and lets esbuild drop the operations nothing imports: 55 KB less code to ship and
// parse. A file that does not look like this is passed through untouched.
const sdkSchemaKeys = {
  name: 'sdk-schema-keys',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]@aws-sdk[\\/].+[\\/]schemas[\\/]schemas_\d+\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const strings = new Map();
      for (const [, name, value] of source.matchAll(/^const (_\w+) = ("(?:[^"\\\n]|\\.)*");$/gm)) strings.set(name, value);
      const contents = source.replace(/\[(_\w+)\]:/g, (key, name) => (strings.has(name) ? `[${strings.get(name)}]:` : key));
      return { contents, loader: 'js' };
    });
  },
};

// `feed` writes its XML with xml-js, whose index also loads the XML reader and, through it,
// sax: 21 KB the bundle never calls (nothing here parses XML at run time). Loaded instead, the
// index exports the two writers only, as the same functions.
const xmlWriterOnly = {
  name: 'xml-writer-only',
  setup(builder) {
    builder.onLoad({ filter: /[\\/]node_modules[\\/]xml-js[\\/]lib[\\/]index\.js$/ }, () => ({
      contents: "module.exports = { js2xml: require('./js2xml'), json2xml: require('./json2xml') };",
      loader: 'js',
    }));
  },
};

/** The esbuild settings every bundle here gets; `overrides` adds the entry point and output. */
export function esbuildOptions(overrides = {}) {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // Prefer the packages' ES module builds (the AWS SDK ships both): smaller and tree-shakable.
    mainFields: ['module', 'main'],
    minify: true,
    // A separate map file, without the sources themselves, linked from the bundle: Node uses it
    // with --enable-source-maps, and it maps a Lambda stack trace by hand (README).
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    banner: { js: banner },
    plugins: [sdkSchemaKeys, xmlWriterOnly],
    metafile: true,
    logLevel: 'warning',
    absWorkingDir: root,
    ...overrides,
  };
}

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
  /export\s+(?:const|let|var|(?:async\s+)?function)\s+handler\b/.test(source) || /export\s*\{[^}]*\bhandler\b[^}]*\}/.test(source);

function handlerNames() {
  if (!existsSync(handlersDir)) return [];
  return readdirSync(handlersDir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !/\.test\.ts$/.test(f))
    .filter((f) => exportsHandler(readFileSync(join(handlersDir, f), 'utf8')))
    .map((f) => basename(f, '.ts'))
    .sort();
}

/** The targets to build, in order: the named ones, or every handler then the local ones. */
function targets(names) {
  const handlers = handlerNames();
  const clash = handlers.filter((n) => Object.hasOwn(LOCAL_TARGETS, n));
  if (clash.length > 0) throw new Error(`handlers/${clash[0]}.ts has the name of a local entry point; rename it`);
  const all = [...handlers, ...Object.keys(LOCAL_TARGETS)];
  const wanted = names.length > 0 ? [...new Set(names)] : all;
  const unknown = wanted.filter((n) => !all.includes(n));
  if (unknown.length > 0) throw new Error(`no such target: ${unknown.join(', ')} (have: ${all.join(', ')})`);
  if (names.length === 0 && handlers.length === 0) throw new Error('no file in handlers/ exports a `handler`');
  return wanted.map((name) =>
    Object.hasOwn(LOCAL_TARGETS, name)
      ? { name, lambda: false, ...LOCAL_TARGETS[name] }
      : { name, lambda: true, entry: join(handlersDir, `${name}.ts`), external: [] },
  );
}

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Writes through a temp file and a rename, so a concurrent run never loads half a bundle. */
function writeAtomically(path, contents) {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, path);
}

/**
 * The files directly in the seeds folder, as the function reads them: not its subfolders, and
 * not a symbolic link, which the packager would follow and zip as the file it points to, an
 * article that `cli build` and `npm start` skip.
 */
function copySeeds(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isFile()) copyFileSync(join(from, entry.name), join(to, entry.name));
  }
}

async function buildOne(target, distDir, quiet) {
  const outDir = join(distDir, target.name);
  const outfile = join(outDir, 'index.mjs');
  // A Lambda folder is deployed as a whole, so it starts empty (no seed left from an earlier
  // build). A local one is only replaced file by file: `npm start` may be running from it.
  if (target.lambda) rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  const result = await build(esbuildOptions({ entryPoints: [target.entry], outfile, external: target.external, write: false }));
  // The map first: whoever loads the new bundle finds the map that belongs to it.
  const outputs = [...result.outputFiles].sort((a, b) => Number(a.path.endsWith('.mjs')) - Number(b.path.endsWith('.mjs')));
  for (const file of outputs) writeAtomically(file.path, file.contents);

  if (target.lambda) {
    writeFileSync(join(outDir, 'index.cjs'), invokeLocalShim);
    if (existsSync(seedsDir)) copySeeds(seedsDir, join(outDir, 'seeds'));
  }
  if (quiet) return;

  const bundleBytes = statSync(outfile).size;
  const mapBytes = statSync(`${outfile}.map`).size;
  const inputs = Object.entries(result.metafile.outputs[relative(root, outfile).split('\\').join('/')]?.inputs ?? {});
  const sdkBytes = inputs
    .filter(([path]) => /node_modules\/(@aws-sdk|@smithy|@aws-crypto)\//.test(path))
    .reduce((sum, [, info]) => sum + info.bytesInOutput, 0);
  console.log(
    `${relative(process.cwd(), outfile)} ${kib(bundleBytes)} (AWS SDK ${kib(sdkBytes)}), map ${kib(mapBytes)}` +
      (target.external.length > 0 ? `, external: ${target.external.join(', ')}` : '') +
      (target.lambda && existsSync(seedsDir) ? ', seeds copied' : ''),
  );
}

async function main() {
  try {
    const { values: options, positionals: names } = parseArgs({
      options: {
        outdir: { type: 'string', default: join(root, 'dist') },
        quiet: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    const distDir = resolve(options.outdir);
    for (const target of targets(names)) await buildOne(target, distDir, options.quiet);
  } catch (error) {
    // esbuild has already printed its own diagnostics; anything else gets one line.
    if (!error?.errors) console.error(`build failed: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
