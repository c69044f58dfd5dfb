/**
 * The Service Bus twin in a process of its own for the benchmark: starts on a free port with auto-created
 * entities, reports its connection string to the parent, and stops on the parent's `stop` (or when the parent
 * goes away).
 *
 * @example
 * ```sh
 * node node_modules/.cache/omnibus-bench/servicebus-twin-process.mjs '{}'
 * ```
 * @module
 */
import { startServiceBusTwin } from '../../twin/servicebus/index.js';

const twin = await startServiceBusTwin({ host: '127.0.0.1', port: 0, autoCreate: true });
const stop = async () => {
  await twin.close().catch(() => undefined);
  process.exit(0);
};
process.on('message', (m: { type?: string }) => {
  if (m?.type === 'stop') void stop();
});
process.on('disconnect', () => void stop());
process.send?.({ type: 'ready', info: { connectionString: twin.connectionString } });
