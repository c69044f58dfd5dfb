/**
 * The parent side of the parent ↔ child protocol (see `protocol.ts`): forks a bundled contender with an IPC
 * channel, forwards its messages, and resolves with its one result. Its stderr is kept (and shown only when it
 * fails), so SDK warnings do not flood the console.
 *
 * @example
 * ```ts
 * const child = startChild<{ rate: number }>(bundle, { n: 10_000 });
 * const { rate } = await child.result;
 * ```
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { ChildMessage, ParentMessage } from './protocol.js';

/** Options of {@link startChild}. */
export interface ChildOptions {
  /** Node flags, e.g. `['--expose-gc']`. */
  readonly execArgv?: readonly string[];
  /** Called for `ready` and `progress` messages. */
  readonly onMessage?: (message: ChildMessage, child: RunningChild<unknown>) => void;
  /** Kill the child after this long (default 5 minutes). */
  readonly timeoutMs?: number;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A running child. */
export interface RunningChild<R> {
  /** Its result; rejects with its error (and the tail of its stderr) or when it exits without one. */
  readonly result: Promise<R>;
  /** Sends a message to the child. */
  send(message: ParentMessage): void;
  /** Kills the child (SIGKILL). */
  kill(): void;
  readonly process: ChildProcess;
}

/**
 * Forks `file` (a bundled `.mjs`) with `config` as JSON in `argv[2]`.
 *
 * @example
 * ```ts
 * const child = startChild(path, { rounds: 3 }, { execArgv: ['--expose-gc'] });
 * ```
 */
export function startChild<R>(file: string, config: unknown, options: ChildOptions = {}): RunningChild<R> {
  const proc = fork(file, [JSON.stringify(config)], {
    execArgv: [...(options.execArgv ?? [])],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1', ...options.env },
  });
  let stderr = '';
  let stdout = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  proc.stdout?.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString()).slice(-4000);
  });
  const running: RunningChild<R> = {
    process: proc,
    result: undefined as unknown as Promise<R>,
    send(message) {
      if (proc.connected) proc.send(message);
    },
    kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
  const result = new Promise<R>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      running.kill();
      reject(new Error(`timed out after ${options.timeoutMs ?? 300_000} ms${tail(stderr)}`));
    }, options.timeoutMs ?? 300_000);
    proc.on('message', (message: ChildMessage) => {
      if (message.type === 'result') {
        settled = true;
        clearTimeout(timer);
        resolve(message.value as R);
      } else if (message.type === 'error') {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`${message.message}${tail(stderr)}`));
      } else options.onMessage?.(message, running as RunningChild<unknown>);
    });
    proc.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(new Error(`exited (code ${code}, signal ${signal}) without a result${tail(stderr || stdout)}`));
    });
  });
  (running as { result: Promise<R> }).result = result;
  return running;
}

/**
 * Runs a child to completion and returns its result.
 *
 * @example
 * ```ts
 * const value = await runChild<{ ok: boolean }>(path, {});
 * ```
 */
export function runChild<R>(file: string, config: unknown, options: ChildOptions = {}): Promise<R> {
  return startChild<R>(file, config, options).result;
}

function tail(text: string): string {
  const lines = text
    .split('\n')
    .filter(
      (l) =>
        l.trim() !== '' &&
        !/NodeVersionSupportWarning|node >=22|a\.co\/|upgrade to node|first week of January|bug fixes,$|security updates please|^\s*$/.test(
          l,
        ),
    )
    .slice(-12);
  return lines.length > 0 ? `\n${lines.map((l) => `    | ${l}`).join('\n')}` : '';
}
