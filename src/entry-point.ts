/** Whether a module runs as the program (`node dist/cli/index.mjs`) rather than being imported. */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Whether the module at `moduleUrl` is the script node was asked to run (not an import). Node
 * gives the module's real path; the script's is as typed, so through a linked folder (macOS's
 * /tmp, a linked projects folder) it is compared once its links are resolved.
 */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  const typed = resolve(script);
  if (moduleUrl === pathToFileURL(typed).href) return true;
  try {
    return moduleUrl === pathToFileURL(realpathSync(typed)).href;
  } catch {
    return false;
  }
}

/**
 * Exits with `code` once what was written to stdout and stderr has left the process. Writes to a
 * pipe (`cli validate | grep`, a CI log) are queued, and `process.exit` at once would cut them:
 * a validation of 3,000 bad seeds reached the pipe as a few hundred lines. Output that could not
 * be written (a full disk: `> /dev/full`) turns a success into exit code 1, said on stderr; a
 * reader that stopped reading (`| head -1`, EPIPE) is no failure.
 */
export function exitWhenWritten(code: number): void {
  let lost: Error | undefined;
  const failed = (error: NodeJS.ErrnoException | null | undefined) => {
    if (error && error.code !== 'EPIPE') lost ??= error;
  };
  // Listened to, so that a failed write is no uncaught error event.
  process.stdout.on('error', failed);
  process.stderr.on('error', () => {});
  const exit = () => {
    if (lost === undefined || code !== 0) process.exit(code);
    process.stderr.write(`the output could not be written: ${lost.message}\n`, () => process.exit(1));
  };
  process.exitCode = code;
  let pending = 2;
  const written = () => {
    if (--pending === 0) exit();
  };
  process.stdout.write('', (error) => {
    failed(error);
    written();
  });
  process.stderr.write('', written);
}
