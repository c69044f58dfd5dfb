/**
 * The conformance suite on the memory adapter: a fresh in-memory broker per test, all on one virtual clock, so no
 * case sleeps for a timeout. Every feature is on: memory is the twin that states the semantics. It runs twice:
 * with native dead-lettering with a reason (memory's default, like Service Bus), and redrive-only (like SQS and
 * Pub/Sub), so the bus's dead-letter-by-copy path is covered in virtual time too.
 */
import { memory, VirtualClock } from '../adapters/memory/index.js';
import {
  type ConformanceHarness,
  conformance,
  type FeatureSwitches,
  uniqueNames,
} from './conformance/index.js';

const clock = new VirtualClock();

const features: FeatureSwitches = {
  ordering: true,
  dedup: true,
  dedupWindowObservable: true,
  delay: 'native',
  nativeDeadLetterReason: true,
  brokerDeadLetter: true,
  serverFilters: true,
  leaseExpiry: true,
  deliveryCount: true,
  numberAttributes: 'number',
  binaryAttributes: 'bytes',
};

const harness: ConformanceHarness = {
  name: 'memory',
  clock,
  pendingTimers: () => clock.pendingTimers,
  makeDriver: () => memory({ clock, autoProvision: false }),
  uniqueName: uniqueNames('mem'),
  minLeaseSeconds: 2,
  features,
};

conformance(harness);

conformance({
  ...harness,
  variant: 'redrive-only',
  makeDriver: () => memory({ clock, autoProvision: false, nativeDeadLetter: false }),
  features: { ...features, nativeDeadLetterReason: false },
});
