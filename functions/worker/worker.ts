/**
 * A worker for containers (ECS, Cloud Run services, Container Apps, Kubernetes): starts a consumer per declared
 * queue or subscription and, on SIGTERM or SIGINT, drains — stops receiving, lets in-flight handlers finish and
 * settle, flushes sends, closes the bus — within `drainSeconds`, then exits 0. If draining fails or passes the
 * deadline it exits 1 (messages still in flight return to their queue when their lease ends; nothing is lost). A
 * second signal while draining exits 1 at once. Set `drainSeconds` under the platform's grace period: ECS
 * `stopTimeout` (default 30 s), Cloud Run (10 s), Container Apps `terminationGracePeriodSeconds` (default 30 s),
 * Kubernetes `terminationGracePeriodSeconds` (default 30 s).
 *
 * @example
 * ```ts
 * import { createBusFromEnv } from 'omnibus/env';
 * import { consumer, startWorker } from 'omnibus/functions/worker';
 *
 * const bus = await createBusFromEnv({ declarations: [billing, audit] });
 * startWorker({
 *   bus,
 *   consumers: [consumer(billing, bill, { concurrency: 8 }), consumer(audit, record)],
 *   drainSeconds: 8, // Cloud Run gives 10 s
 * });
 * ```
 * @module
 */
import type { Bus, ConsumerOptions } from '../../core/bus.js';
import type { Consumer } from '../../core/consumer.js';
import type { Consumable, MessageBody } from '../../core/declarations.js';
import { pathOf } from '../../core/declarations.js';
import { ConfigurationError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import type { Handler } from '../../core/message.js';

/** One consumer the worker runs. */
export interface WorkerConsumer {
  readonly source: Consumable<any>;
  readonly handler: Handler<any>;
  readonly options?: ConsumerOptions;
}

/** The process the worker listens on and exits (default: Node's `process`). */
export interface WorkerProcess {
  on(signal: string, listener: (signal: string) => void): unknown;
  off(signal: string, listener: (signal: string) => void): unknown;
}

/** Options of {@link startWorker}. */
export interface WorkerOptions {
  readonly bus: Bus;
  /** The consumers to run (see {@link consumer}). */
  readonly consumers: readonly WorkerConsumer[];
  /** Longest drain, in seconds, 0.1–3600 (default 25). */
  readonly drainSeconds?: number;
  /** Signals that start draining (default SIGTERM and SIGINT). */
  readonly signals?: readonly string[];
  /** Create missing queues and subscriptions first (`bus.provision()`); default false. */
  readonly provision?: boolean;
  /** Called with the exit code once stopped (default `process.exit`); `false` to only resolve {@link Worker.exited}. */
  readonly exit?: ((code: number) => void) | false;
  /** The process to listen on (default `process`). */
  readonly process?: WorkerProcess;
  readonly logger?: Logger;
}

/** A running worker. */
export interface Worker {
  /** Resolves once the consumers run (after provisioning); rejects when starting failed. */
  readonly started: Promise<void>;
  /** Drains now (as a signal would); resolves with the exit code. */
  stop(reason?: string): Promise<number>;
  /** Resolves with the exit code once the worker has stopped. */
  readonly exited: Promise<number>;
  /** Messages being handled now, over all consumers. */
  readonly inFlight: number;
}

/** Default of {@link WorkerOptions.drainSeconds}. */
export const DEFAULT_DRAIN_SECONDS = 25;

/**
 * Declares one consumer of a worker, typed by its source.
 *
 * @example
 * ```ts
 * consumer(billing, async (m) => charge(m.body), { concurrency: 4 });
 * ```
 */
export function consumer<D extends Consumable<any>>(
  source: D,
  handler: Handler<MessageBody<D>>,
  options?: ConsumerOptions,
): WorkerConsumer {
  return options === undefined ? { source, handler } : { source, handler, options };
}

/**
 * Starts a worker; see the module notes.
 *
 * @example
 * ```ts
 * const worker = startWorker({ bus, consumers: [consumer(billing, bill)] });
 * await worker.started;
 * ```
 */
export function startWorker(options: WorkerOptions): Worker {
  const { bus } = options;
  if (!bus || typeof bus.consume !== 'function')
    throw new ConfigurationError('bus', 'must be a bus (createBus(…))');
  if (!Array.isArray(options.consumers) || options.consumers.length === 0) {
    throw new ConfigurationError('consumers', 'must list at least one consumer (consumer(source, handler))');
  }
  const drainSeconds = options.drainSeconds ?? DEFAULT_DRAIN_SECONDS;
  if (
    typeof drainSeconds !== 'number' ||
    !Number.isFinite(drainSeconds) ||
    drainSeconds < 0.1 ||
    drainSeconds > 3600
  ) {
    throw new ConfigurationError(
      'drainSeconds',
      `must be a number of seconds from 0.1 to 3600, got ${String(drainSeconds)}`,
    );
  }
  const logger = options.logger ?? silentLogger;
  const proc: WorkerProcess = options.process ?? process;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit === undefined ? (code: number) => process.exit(code) : options.exit;
  const consumers: Consumer[] = [];
  let stopping: Promise<number> | undefined;
  let resolveExited!: (code: number) => void;
  const exited = new Promise<number>((resolve) => {
    resolveExited = resolve;
  });

  let finished = false;
  let startFailed = false;
  const finish = (code: number) => {
    if (finished) return;
    finished = true;
    for (const signal of signals) proc.off(signal, onSignal);
    resolveExited(code);
    if (exit) exit(code);
  };

  const drain = async (reason: string): Promise<number> => {
    const inFlight = consumers.reduce((n, c) => n + c.inFlight, 0);
    logger.info('worker draining', { reason, inFlight, drainSeconds });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), drainSeconds * 1000);
    });
    try {
      const result = await Promise.race([bus.close().then(() => 'closed' as const), deadline]);
      if (result === 'deadline') {
        logger.error('worker drain passed its deadline; in-flight messages return when their lease ends', {
          inFlight: consumers.reduce((n, c) => n + c.inFlight, 0),
          drainSeconds,
        });
        return 1;
      }
      logger.info('worker drained');
      return 0;
    } catch (error) {
      logger.error('worker drain failed', {
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return 1;
    } finally {
      clearTimeout(timer);
    }
  };

  const stop = (reason = 'stop'): Promise<number> => {
    stopping ??= (async () => {
      await started.catch(() => undefined);
      const code = Math.max(await drain(reason), startFailed ? 1 : 0);
      finish(code);
      return code;
    })();
    return stopping;
  };

  function onSignal(signal: string): void {
    if (stopping) {
      logger.warn('second signal while draining; exiting now', { signal });
      finish(1);
      return;
    }
    void stop(signal);
  }

  for (const signal of signals) proc.on(signal, onSignal);

  const started = (async () => {
    if (options.provision) await bus.provision();
    if (stopping) return;
    for (const c of options.consumers) {
      consumers.push(bus.consume(c.source, c.handler, c.options ?? {}));
      logger.info('consumer started', { source: pathOf(c.source) });
    }
  })();
  started.catch((error: unknown) => {
    startFailed = true;
    logger.error('worker failed to start', {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    void stop('start failed').then(() => undefined);
  });

  return {
    started,
    stop,
    exited,
    get inFlight() {
      return consumers.reduce((n, c) => n + c.inFlight, 0);
    },
  };
}
