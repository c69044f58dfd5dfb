/**
 * The child side of the parent ↔ child protocol: a contender runs in its own Node process (forked with an IPC
 * channel), reads its configuration from `argv[2]` (JSON), may report progress and readiness, and ends with one
 * result or one error.
 *
 * @example
 * ```ts
 * await childMain<{ n: number }, { rate: number }>(async (config) => ({ rate: await measure(config.n) }));
 * ```
 * @module
 */

/** Messages a child sends to its parent. */
export type ChildMessage =
  | { readonly type: 'ready'; readonly info?: unknown }
  | { readonly type: 'progress'; readonly handled: number }
  | { readonly type: 'result'; readonly value: unknown }
  | { readonly type: 'error'; readonly message: string };

/** Messages a parent sends to its child. */
export type ParentMessage = { readonly type: 'go' } | { readonly type: 'stop' };

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) {
      console.log(JSON.stringify(message));
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

/**
 * Tells the parent the child is set up (connected, queue resolved) and waits for its `go`.
 *
 * @example
 * ```ts
 * await readyAndWait({ pid: process.pid });
 * ```
 */
export async function readyAndWait(info?: unknown): Promise<void> {
  const go = new Promise<void>((resolve) => {
    const onMessage = (m: ParentMessage) => {
      if (m.type === 'go') {
        process.off('message', onMessage);
        resolve();
      }
    };
    process.on('message', onMessage);
  });
  await send({ type: 'ready', info });
  if (!process.send) return; // run by hand: go at once
  await go;
}

/**
 * Reports how many messages the child has handled so far (the producer keeps the queue shallow with it). Cheap:
 * call it from a timer, not per message.
 *
 * @example
 * ```ts
 * setInterval(() => progress(handled), 20);
 * ```
 */
export function progress(handled: number): void {
  void send({ type: 'progress', handled });
}

/**
 * Runs a child's main function: parses its configuration, sends its result (or its error) and exits.
 *
 * @example
 * ```ts
 * await childMain(async (config: { n: number }) => ({ doubled: config.n * 2 }));
 * ```
 */
export async function childMain<C, R>(main: (config: C) => Promise<R>): Promise<void> {
  let code = 0;
  try {
    const config = JSON.parse(process.argv[2] ?? '{}') as C;
    const value = await main(config);
    await send({ type: 'result', value });
  } catch (error) {
    code = 1;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    await send({ type: 'error', message });
  }
  process.exit(code);
}

/**
 * CPU time used by this process so far (user + system), in microseconds.
 *
 * @example
 * ```ts
 * const before = cpuMicros(); work(); const spent = cpuMicros() - before;
 * ```
 */
export function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}
