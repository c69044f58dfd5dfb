import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { isCi } from './ci.js';
import { which } from './locate.js';

/** True on CI (`CI=true`) as root with `apt-get`: the only case where a missing redis-server is installed. */
export function mayInstallRedis(): boolean {
  return isCi() && process.getuid?.() === 0 && which('apt-get') !== undefined;
}

const INSTALL = [
  'apt-get update -qq',
  'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server',
].join(' && ');

/**
 * Installs redis-server with apt-get (one status line on stderr, apt's output to `logFile`). Debian starts the
 * packaged daemon on 6379 where an init system is present; that does not matter to the tests, which use their own port.
 * Resolves with the path of `redis-server`, or undefined when the install failed.
 */
export function installRedis(logFile: string): Promise<string | undefined> {
  process.stderr.write('emulators: redis-server not found; installing it with apt-get (CI=true, root)\n');
  return new Promise((resolve) => {
    execFile(
      '/bin/sh',
      ['-c', INSTALL],
      { timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        appendFileSync(logFile, `$ ${INSTALL}\n${stdout}${stderr}${error ? `\n${error.message}\n` : ''}`);
        resolve(error ? undefined : which('redis-server'));
      },
    );
  });
}
