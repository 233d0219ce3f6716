#!/usr/bin/env node
// `npm run screenshots`: the README's pictures, made from the current code so they stay current.
// It runs `npm start` as npm does (the esbuild bundle, built first; the seeds and feed.config.json
// of this checkout), with the bundle and the bucket in a throw-away folder so that dist/ and the
// developer's .local-s3/ are left alone, then:
//   docs/screenshots/feed-rss.png   rss.xml as headless Chromium renders it (feed.css, XHTML view)
//   docs/screenshots/article.png    the page of the feed's newest item
//   docs/screenshots/newsboat.png   newsboat reading rss.xml in tmux: the pane's text and colours,
//                                   rendered to PNG through Chromium from an HTML <pre>
// Chromium, tmux and newsboat are installed through apt-get when missing (scripts/ensure-tools.sh).
//
// Usage: npm run screenshots [-- --out DIR] [--port N]
//   --out   where the PNGs go (default docs/screenshots)
//   --port  the port npm start listens on (default its own, 4568, so the pictures show the
//           addresses the README gives); 0 picks a free one
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { dumpDom, ensureTools, screenshot } from './chromium.mjs';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * `npm start -- --port PORT --data WORK/bucket`: the same bundle, built into WORK, and the same
 * command, as a child process; resolves once it serves, with the site URL it printed and a way to
 * stop it as Ctrl-C would.
 */
async function npmStart(port, work) {
  await run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--quiet', '--outdir', join(work, 'dist'), 'start'], { cwd: root });
  // The bundle leaves s3rver outside; from WORK/dist/start it is found through this link.
  await symlink(join(root, 'node_modules'), join(work, 'node_modules'), 'junction');
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', join(work, 'dist', 'start', 'index.mjs'), '--port', port, '--data', join(work, 'bucket')],
    {
      cwd: root,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise((done) => child.once('exit', done));
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const siteUrl = await new Promise((done, fail) => {
    child.stdout.setEncoding('utf8').on('data', (chunk) => {
      stdout += chunk;
      const site = /^ {2}Site\s+(\S+)index\.html$/m.exec(stdout);
      if (site && stdout.includes('Serving until Ctrl-C.')) done(site[1]);
    });
    void exited.then((code) => fail(new Error(`npm start exited (${code}) before serving:\n${stdout}${stderr}`)));
  });
  return {
    siteUrl,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * newsboat in a detached tmux session of its own (its own socket, so no other tmux is touched),
 * subscribed to `feedUrl` alone, with the feed opened; the pane, colours included, as a PNG.
 */
async function newsboatScreenshot(feedUrl, feedTitle, home, file) {
  // Wide enough for the title bar to show the whole feed URL; tall enough for the seeds' items.
  const [cols, rows] = [120, 14];
  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'urls'), `${feedUrl}\n`);
  await writeFile(join(home, 'config'), '');
  const env = { ...process.env, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  const tmux = (...args) => run('tmux', ['-u', '-L', `feedpress-screenshots-${process.pid}`, '-f', '/dev/null', ...args], { env });
  const newsboat = ['newsboat', '-r', '-u', join(home, 'urls'), '-c', join(home, 'cache.db'), '-C', join(home, 'config')];
  await tmux(
    'new-session',
    '-d',
    '-s',
    'shot',
    '-x',
    String(cols),
    '-y',
    String(rows),
    '-e',
    `HOME=${home}`,
    '-e',
    'LANG=C.UTF-8',
    '-e',
    'LC_ALL=C.UTF-8',
    ...newsboat,
  );
  try {
    const pane = async () => (await tmux('capture-pane', '-p', '-e', '-N', '-t', 'shot')).stdout;
    // -r reloads on start: the feed list shows "(unread/total) title" once the feed is in.
    await until(async () => /\(\d+\/\d+\)/.test(await pane()) && (await pane()).includes(feedTitle), 'newsboat to load the feed');
    await tmux('send-keys', '-t', 'shot', 'Enter');
    await until(async () => (await pane()).includes('Articles in feed'), 'newsboat to open the feed');
    const html = terminalHtml(await pane(), cols);
    await writeFile(join(home, 'pane.html'), html);
    await screenshot(pathToFileURL(join(home, 'pane.html')).href, file, {
      width: Math.ceil(cols * CHAR_WIDTH) + 2 * PAD,
      height: rows * LINE + 2 * PAD,
    });
  } finally {
    await tmux('kill-server').catch(() => {});
  }
}

async function until(check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

// The terminal picture: DejaVu Sans Mono at 15 px is 9.03 px a character.
const CHAR_WIDTH = 9.04;
const LINE = 18;
const PAD = 12;
// The site's dark background and text (src/site/layout.ts), and the usual xterm colours.
const DEFAULT_FG = '#eceae6';
const DEFAULT_BG = '#161514';
const PALETTE = ['#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5'];
const BRIGHT = ['#666666', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff'];

// An SGR escape sequence, `ESC [ codes m`, the only kind `capture-pane -e` writes.
const ESC = String.fromCharCode(27);
const SGR = new RegExp(`(${ESC}\\[[0-9;]*m)`);

/** tmux's `capture-pane -e` text (SGR escapes for colour, bold and reverse) as an HTML page. */
function terminalHtml(pane, cols) {
  const state = { bold: false, reverse: false, fg: undefined, bg: undefined };
  let body = '';
  for (const part of pane.replace(/\n+$/, '').split(SGR)) {
    const sgr = part.startsWith(ESC) ? /\[([0-9;]*)m$/.exec(part) : null;
    if (sgr) applySgr(state, sgr[1]);
    else if (part) body += span(state, part);
  }
  return `<!doctype html><meta charset="utf-8"><style>
html,body{margin:0;background:${DEFAULT_BG}}
pre{margin:0;padding:${PAD}px;width:${Math.ceil(cols * CHAR_WIDTH)}px;color:${DEFAULT_FG};font:15px/${LINE}px "DejaVu Sans Mono",monospace}
</style><pre>${body}</pre>`;
}

function applySgr(state, codes) {
  const list = (codes === '' ? '0' : codes).split(';').map(Number);
  for (let i = 0; i < list.length; i++) {
    const code = list[i];
    if (code === 0) Object.assign(state, { bold: false, reverse: false, fg: undefined, bg: undefined });
    else if (code === 1) state.bold = true;
    else if (code === 22) state.bold = false;
    else if (code === 7) state.reverse = true;
    else if (code === 27) state.reverse = false;
    else if (code >= 30 && code <= 37) state.fg = PALETTE[code - 30];
    else if (code >= 90 && code <= 97) state.fg = BRIGHT[code - 90];
    else if (code === 39) state.fg = undefined;
    else if (code >= 40 && code <= 47) state.bg = PALETTE[code - 40];
    else if (code >= 100 && code <= 107) state.bg = BRIGHT[code - 100];
    else if (code === 49) state.bg = undefined;
    else if ((code === 38 || code === 48) && list[i + 1] === 5) {
      // 256 colours: the first 16 are the palette above; newsboat's defaults use no others.
      const index = list[i + 2] ?? 0;
      const colour = index < 8 ? PALETTE[index] : index < 16 ? BRIGHT[index - 8] : undefined;
      if (code === 38) state.fg = colour;
      else state.bg = colour;
      i += 2;
    }
  }
}

function span(state, text) {
  const escaped = text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]);
  const fg = state.reverse ? (state.bg ?? DEFAULT_BG) : state.fg;
  const bg = state.reverse ? (state.fg ?? DEFAULT_FG) : state.bg;
  const style = [fg && `color:${fg}`, bg && `background:${bg}`, state.bold && 'font-weight:bold'].filter(Boolean).join(';');
  return style ? `<span style="${style}">${escaped}</span>` : escaped;
}

// Last, so that every constant above is initialised when it runs.
const { values } = parseArgs({
  options: { out: { type: 'string', default: 'docs/screenshots' }, port: { type: 'string', default: '4568' } },
});
const out = resolve(root, values.out);

const missing = await ensureTools('chromium', 'tmux', 'newsboat');
if (missing) {
  console.error(missing);
  process.exit(1);
}

const work = await mkdtemp(join(tmpdir(), 'feedpress-screenshots-'));
let server;
try {
  await mkdir(out, { recursive: true });
  server = await npmStart(values.port, work);
  const feed = await (await fetch(`${server.siteUrl}feed.json`)).json();
  // A feed shown as text would still make a PNG: refuse to write that one over the README's.
  if (!(await dumpDom(`${server.siteUrl}rss.xml`)).includes(`<a href="${feed.items[0].url}">`)) {
    throw new Error('rss.xml does not render with its links in Chromium: no screenshots written');
  }

  await screenshot(`${server.siteUrl}rss.xml`, join(out, 'feed-rss.png'), { width: 1000, height: 1500 });
  await screenshot(feed.items[0].url, join(out, 'article.png'), { width: 1000, height: 1000 });
  await newsboatScreenshot(`${server.siteUrl}rss.xml`, feed.title, join(work, 'newsboat'), join(out, 'newsboat.png'));
  for (const name of ['feed-rss.png', 'article.png', 'newsboat.png']) console.log(`wrote ${join(values.out, name)}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
}
