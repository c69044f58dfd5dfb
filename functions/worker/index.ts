/**
 * `omnibus/functions/worker`: run consumers in a container (ECS, Cloud Run services, Container Apps, Kubernetes) and
 * drain in-flight work on SIGTERM/SIGINT within a deadline, exiting non-zero when draining fails. Imports no cloud
 * SDK (the bus's adapter does).
 *
 * @example
 * ```ts
 * import { consumer, startWorker } from 'omnibus/functions/worker';
 * startWorker({ bus, consumers: [consumer(billing, bill, { concurrency: 8 })], drainSeconds: 25 });
 * ```
 * @module
 */
export {
  consumer,
  DEFAULT_DRAIN_SECONDS,
  startWorker,
  type Worker,
  type WorkerConsumer,
  type WorkerOptions,
  type WorkerProcess,
} from './worker.js';
