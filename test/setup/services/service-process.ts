import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Runs the command in the background and watches the Node process that started it: when that process is gone
 * (even after a SIGKILL), everything is terminated, so an emulator can never outlive its owner. Some commands
 * (gcloud) move themselves into a process group of their own, with the Java emulator inside: `stop` signals both
 * groups, gives the command 4 s to exit and its group 3 s more to empty, then kills what is left.
 * `sleep & wait` keeps the shell responsive to the trap.
 */
const WATCHDOG = [
  'stop() {',
  '  kill -TERM "$c" 2>/dev/null; kill -TERM -"$c" 2>/dev/null',
  '  (sleep 4; kill -KILL "$c" 2>/dev/null; kill -KILL -"$c" 2>/dev/null) &',
  '  k=$!; wait "$c"; kill "$k" 2>/dev/null',
  '  n=0; while kill -0 -"$c" 2>/dev/null && [ $n -lt 30 ]; do sleep 0.1; n=$((n + 1)); done',
  '  kill -KILL -"$c" 2>/dev/null; exit 143',
  '}',
  '"$@" &',
  'c=$!',
  'trap stop TERM INT HUP',
  'while kill -0 "$c" 2>/dev/null; do',
  '  kill -0 "$OMNIBUS_OWNER_PID" 2>/dev/null || kill -TERM 0',
  '  sleep 1 & wait $!',
  'done',
  'wait "$c"',
].join('\n');

/** A background emulator process that owns its own process group. */
export interface ServiceProcess {
  /** Short service name, for messages. */
  readonly name: string;
  /** Pid of the group leader (also the process group id). */
  readonly pid: number;
  /** File receiving the process's stdout and stderr. */
  readonly logFile: string;
  /** Resolves with the exit code (null when killed by a signal) once the group leader has exited. */
  readonly exited: Promise<number | null>;
  /** True until the group leader has exited. */
  running(): boolean;
  /** SIGTERM to the whole group, SIGKILL after `graceMs` (default 10 s); resolves once the service has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Options of {@link spawnService}. */
export interface SpawnOptions {
  /** Where stdout and stderr go (the file is truncated first). */
  readonly logFile: string;
  /** Extra environment for the child. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of the child. */
  readonly cwd?: string;
}

const live = new Set<ServiceProcess>();

/**
 * Starts `command args` detached in its own process group, output to `options.logFile`. The process is
 * registered so that exit, SIGINT, SIGTERM and SIGHUP of this Node process terminate it.
 */
export function spawnService(
  name: string,
  command: string,
  args: readonly string[],
  options: SpawnOptions,
): ServiceProcess {
  const fd = openSync(options.logFile, 'w');
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn('/bin/sh', ['-c', WATCHDOG, `omnibus-${name}`, command, ...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env, OMNIBUS_OWNER_PID: String(process.pid) },
    });
  } finally {
    closeSync(fd);
  }
  child.unref();
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => {
      done = true;
      resolve(-1);
    });
    child.once('exit', (code) => {
      done = true;
      resolve(code);
    });
  });
  const pid = child.pid ?? -1;
  const service: ServiceProcess = {
    name,
    pid,
    logFile: options.logFile,
    exited,
    running: () => !done,
    async stop(graceMs = 10_000) {
      // Unreferenced so it never keeps Node alive by itself; while stopping, Node must wait for it.
      child.ref();
      if (pid > 0) {
        signalGroup(pid, 'SIGTERM');
        if (!(await settlesWithin(exited, graceMs))) {
          signalGroup(pid, 'SIGKILL');
          await settlesWithin(exited, 2000);
        }
        // The wrapper has let the service shut down; whatever is left in the group (its timer) goes now.
        signalGroup(pid, 'SIGKILL');
      }
      forget(service);
    },
  };
  if (pid > 0) remember(service);
  void exited.then(() => {
    if (!groupAlive(pid)) forget(service);
  });
  return service;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function groupAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  const timeout = delay(ms, false, { signal: timer.signal }).catch(() => false);
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    timer.abort();
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function killAllNow(): void {
  for (const service of live) signalGroup(service.pid, 'SIGTERM');
}

function onSignal(signal: NodeJS.Signals): void {
  killAllNow();
  unhook();
  // Nobody else handles it: restore the default behaviour (terminate) by raising it again.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function remember(service: ServiceProcess): void {
  if (live.size === 0) {
    process.on('exit', killAllNow);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  live.add(service);
}

function forget(service: ServiceProcess): void {
  if (live.delete(service) && live.size === 0) unhook();
}

function unhook(): void {
  process.off('exit', killAllNow);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
