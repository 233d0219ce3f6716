/** Whether a module runs as the program (`node dist/cli/index.mjs`) rather than being imported. */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether the module at `moduleUrl` is the script node was asked to run (not an import). */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && moduleUrl === pathToFileURL(resolve(script)).href;
}

/**
 * Exits with `code` once what was written to stdout and stderr has left the process. Writes to a
 * pipe (`cli validate | grep`, a CI log) are queued, and `process.exit` at once would cut them:
 * a validation of 3,000 bad seeds reached the pipe as a few hundred lines.
 */
export function exitWhenWritten(code: number): void {
  process.exitCode = code;
  let pending = 2;
  const written = () => {
    if (--pending === 0) process.exit(code);
  };
  process.stdout.write('', written);
  process.stderr.write('', written);
}
