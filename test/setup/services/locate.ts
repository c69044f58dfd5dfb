import { execFile } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

/** Full path of an executable found on `PATH`, or undefined. */
export function which(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** True when `path` exists and may be executed. */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** True when `path` exists and may be read. */
export function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** The `java` to run the Google emulators with (`JAVA_HOME` first), or undefined. */
export function javaCommand(): string | undefined {
  const home = process.env.JAVA_HOME;
  if (home && isExecutable(join(home, 'bin', 'java'))) return join(home, 'bin', 'java');
  return which('java');
}

/** Cheap guesses for the Cloud SDK root: env, the usual install places, and `realpath(gcloud)/../..`. */
function cheapSdkRoots(): string[] {
  const roots = [
    process.env.CLOUDSDK_ROOT_DIR,
    '/usr/lib/google-cloud-sdk',
    '/usr/share/google-cloud-sdk',
    '/opt/google-cloud-sdk',
    join(homedir(), 'google-cloud-sdk'),
    '/opt/homebrew/share/google-cloud-sdk',
    '/usr/local/share/google-cloud-sdk',
  ];
  const gcloud = which('gcloud');
  if (gcloud) {
    try {
      roots.push(dirname(dirname(realpathSync(gcloud))));
    } catch {
      // A dangling link: ignore.
    }
  }
  return [...new Set(roots.filter((root): root is string => typeof root === 'string' && root !== ''))];
}

let askedGcloud: Promise<string | undefined> | undefined;

/** `gcloud info --format=value(installation.sdk_root)`: slow (about 1 s), so asked at most once per process. */
function sdkRootFromGcloud(): Promise<string | undefined> {
  const gcloud = which('gcloud');
  if (!gcloud) return Promise.resolve(undefined);
  askedGcloud ??= new Promise((resolve) => {
    execFile(
      gcloud,
      ['info', '--format=value(installation.sdk_root)'],
      { timeout: 30_000 },
      (error, stdout) => {
        const root = stdout.trim();
        resolve(error || root === '' ? undefined : root);
      },
    );
  });
  return askedGcloud;
}

/**
 * Finds `relativePath` (e.g. `platform/pubsub-emulator/bin/cloud-pubsub-emulator`) inside the Cloud SDK: tries the
 * well-known roots first and asks `gcloud info` only when none of them has it.
 */
export async function findInCloudSdk(relativePath: string): Promise<string | undefined> {
  for (const root of cheapSdkRoots()) {
    const candidate = join(root, relativePath);
    if (isReadable(candidate)) return candidate;
  }
  const root = await sdkRootFromGcloud();
  const candidate = root ? join(root, relativePath) : undefined;
  return candidate && isReadable(candidate) ? candidate : undefined;
}
