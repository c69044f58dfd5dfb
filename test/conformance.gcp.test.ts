/**
 * The conformance suite on the GCP adapter, against the Pub/Sub emulator started by the global setup. Switches say
 * what is true of the emulator (see adapters/gcp/CAPABILITIES.md):
 * - dedup off: Pub/Sub has no broker-side deduplication; declaring it is a CapabilityError (the suite checks that).
 * - delay 'emulated': Pub/Sub has no delayed delivery; the bus holds delayed messages with delayed releases
 *   (ModifyAckDeadline, at most 600 s each).
 * - nativeDeadLetterReason off: Pub/Sub's dead-letter policy records no reason; the bus sends the envelope copy.
 * - serverFilters off: the emulator (0.8.20) stores subscription filters but does not apply them; the real service
 *   does. The bus checks every filter on receive, so the bus-level filter cases still run.
 * - numbers and bytes come back typed: the adapter records their types in `omnibus_types`.
 */
import { PubSub } from '@google-cloud/pubsub';
import { gcp } from '../adapters/gcp/index.js';
import { type ConformanceHarness, conformance, uniqueNames } from './conformance/index.js';
import type { PubSubEmulator } from './setup/emulator-types.js';
import { describeWithEmulator, emulator } from './support/emulators.js';

function harness(emu: PubSubEmulator): ConformanceHarness {
  const config = { projectId: emu.projectId, apiEndpoint: emu.host, emulatorMode: true } as const;
  return {
    name: 'gcp',
    makeDriver: () => gcp(config),
    uniqueName: uniqueNames(),
    minLeaseSeconds: 10, // Pub/Sub's ack-deadline minimum (the emulator accepts less; the service does not)
    features: {
      ordering: true,
      dedup: false,
      dedupWindowObservable: false,
      delay: 'emulated',
      nativeDeadLetterReason: false,
      brokerDeadLetter: true,
      serverFilters: false,
      leaseExpiry: true,
      deliveryCount: true,
      numberAttributes: 'number',
      binaryAttributes: 'bytes',
    },
    switchedOff: {
      dedup: 'Pub/Sub has no broker-side deduplication',
      dedupWindowObservable: 'Pub/Sub has no broker-side deduplication',
      nativeDeadLetterReason:
        'Pub/Sub dead-letter policies record no reason: the bus sends the envelope copy',
      serverFilters: 'the Pub/Sub emulator 0.8.20 stores subscription filters but does not apply them',
    },
    async sendPlain(queue, body, attributes) {
      const client = new PubSub(config);
      try {
        await client
          .topic(queue.name)
          .publishMessage({ data: Buffer.from(body, 'utf8'), attributes: { ...attributes } });
      } finally {
        await client.close();
      }
    },
  };
}

const emu = emulator('pubsub');
if (emu) conformance(harness(emu));
else describeWithEmulator('pubsub', '[gcp] conformance', () => {});
