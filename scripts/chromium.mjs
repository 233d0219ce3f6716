// Headless Chromium from the command line, for the browser test (tests/browser/) and
// `npm run screenshots`: the DOM a page ends up with (`--dump-dom`) and a PNG of it
// (`--screenshot`). Each run gets a fresh profile, removed afterwards, and the flags that keep
// Chromium from calling home (updates, sync, field trials): without them it floods a closed network.
//
// The command line is all the project needs of a browser; a driver library (Playwright,
// Puppeteer) would add a dependency for what two flags do.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));

/** Debian's package puts it on PATH under this name (scripts/ensure-tools.sh installs it). */
const CHROMIUM = 'chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
  '--force-device-scale-factor=1',
];

/**
 * Installs the Debian packages named (e.g. 'chromium', 'tmux') when their command is missing, with
 * scripts/ensure-tools.sh. Resolves to undefined when they are all there, else to why not.
 */
export async function ensureTools(...packages) {
  try {
    await run('bash', [join(here, 'ensure-tools.sh'), ...packages], { timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 });
    return undefined;
  } catch (error) {
    const detail = `${error.stderr ?? ''}`.trim().split('\n').slice(-6).join('\n');
    return `scripts/ensure-tools.sh ${packages.join(' ')} failed (${error.code ?? error.signal ?? error.message})${detail ? `:\n${detail}` : ''}`;
  }
}

/** Runs Chromium once with a throw-away profile; resolves to its stdout. */
async function chromium(args, timeoutMs = 90_000) {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  try {
    const { stdout } = await run(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, ...args], {
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const stderr = `${error.stderr ?? ''}`.trim().split('\n').slice(-5).join('\n');
    throw new Error(`${CHROMIUM} ${args.join(' ')} failed: ${error.message}\n${stderr}`);
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The document as the browser built it from `url`, serialized: for XML, the XML as parsed. */
export function dumpDom(url) {
  return chromium(['--dump-dom', url]);
}

/** A PNG of `url` in a window of `width` × `height` CSS pixels (at scale 1, so also device pixels). */
export async function screenshot(url, file, { width = 1000, height = 1400 } = {}) {
  await chromium([`--screenshot=${file}`, `--window-size=${width},${height}`, url]);
}
