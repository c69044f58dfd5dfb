import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'omnibus-emulators-';

/**
 * Creates `os.tmpdir()/omnibus-emulators-<pid>/` for emulator logs and data. Directories left by earlier runs whose
 * process is gone are removed, so the last run's logs stay readable without piling up.
 */
export function createLogDir(): string {
  removeStaleLogDirs();
  const dir = join(tmpdir(), `${PREFIX}${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function removeStaleLogDirs(): void {
  let names: string[];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length));
    if (!Number.isInteger(pid) || pid === process.pid || processExists(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The last `lines` lines of a log file, indented for printing under an error line ('' when unreadable). */
export function tail(file: string, lines = 15): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return '';
  }
  return text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((line) => `    | ${line}`)
    .join('\n');
}
