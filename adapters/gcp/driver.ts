/**
 * The Google Cloud Pub/Sub driver (driver spec v1).
 *
 * - Queues are a topic plus one shared subscription (competing consumers); topics and subscriptions map
 *   directly (subscription `email` of topic `order-placed` is Pub/Sub subscription `order-placed-email`).
 * - `send` publishes with the client's batching; `openReceiver` streams (see receiver.ts).
 * - `redeliver` to a queue publishes to its topic. To ONE subscription of a topic (which Pub/Sub cannot target) it
 *   publishes to the topic with attribute `omnibus_target` = that subscription's id; receivers of the topic's
 *   other subscriptions acknowledge and drop such copies. Cost: one attribute slot on redelivered copies, and one
 *   delivery (acknowledged at once) on every other subscription of the topic; a subscriber that is not Omnibus
 *   sees the copy with its `omnibus_target` attribute and must skip it itself.
 * - No `depth`: Pub/Sub reports backlog only through Cloud Monitoring.
 *
 * @example
 * ```ts
 * import { createBus } from 'omnibus';
 * import { gcp } from 'omnibus/gcp';
 * const bus = createBus({ adapter: gcp({ projectId: 'my-project' }), declarations: [billing] });
 * ```
 * @module
 */

import type { SourceSpec, TargetSpec, Topology } from '../../core/driver.js';
import { DRIVER_SPEC_VERSION, type Driver, type DriverMessage, type SendOutcome } from '../../core/driver.js';
import { ConfigurationError } from '../../core/errors.js';
import { type Logger, silentLogger } from '../../core/logger.js';
import { type GcpClientOptions, GcpClients } from './clients.js';
import { GCP_CAPABILITIES } from './limits.js';
import { subscriptionIdOf, topicIdOf } from './names.js';
import { provisionTopology } from './provision.js';
import { Publisher } from './publisher.js';
import { StreamingPullReceiver } from './receiver.js';
import { Settler } from './settler.js';

/** Options of {@link gcp}. */
export interface GcpOptions extends GcpClientOptions {
  /** Where the driver logs provisioning and stream trouble (never bodies or credentials). Default: silent. */
  readonly logger?: Logger;
}

/**
 * Creates the Pub/Sub driver. Nothing connects until the first provision, send or receive.
 *
 * @example
 * ```ts
 * const driver = gcp(); // project and credentials the client's usual way; PUBSUB_EMULATOR_HOST honoured
 * const local = gcp({ projectId: 'demo', apiEndpoint: '127.0.0.1:8085' });
 * ```
 */
export function gcp(options: GcpOptions = {}): Driver {
  const logger = options.logger ?? silentLogger;
  const clients = new GcpClients(options);
  const get = () => clients.get();
  const settler = new Settler(async () => (await get()).subscriber);
  const publisher = new Publisher(get);
  const receivers = new Set<StreamingPullReceiver>();
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new ConfigurationError('driver', 'the gcp driver is closed');
  };

  const driver: Driver = {
    specVersion: DRIVER_SPEC_VERSION,
    capabilities: GCP_CAPABILITIES,

    async provision(topology: Topology): Promise<void> {
      assertOpen();
      await provisionTopology(await get(), topology, logger);
    },

    async send(target: TargetSpec, messages: readonly DriverMessage[]): Promise<SendOutcome[]> {
      assertOpen();
      return publisher.publish(topicIdOf(target), target.ordered, messages);
    },

    openReceiver(source, options) {
      assertOpen();
      const receiver = new StreamingPullReceiver({
        clients: get,
        settler,
        source,
        subscriptionId: subscriptionIdOf(source),
        maxInFlight: Math.max(1, Math.floor(options.maxInFlight)),
        leaseSeconds: options.leaseSeconds,
        logger,
        onClosed: (r) => receivers.delete(r),
      });
      receivers.add(receiver);
      return receiver;
    },

    async redeliver(source: SourceSpec, messages: readonly DriverMessage[]): Promise<SendOutcome[]> {
      assertOpen();
      if (source.kind === 'queue') return publisher.publish(topicIdOf(source), source.ordered, messages);
      return publisher.publish(topicIdOf(source), source.ordered, messages, subscriptionIdOf(source));
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...receivers].map((r) => r.close()));
      await publisher.flush();
      await settler.drain();
      await clients.close();
    },
  };
  return driver;
}
