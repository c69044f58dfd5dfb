/**
 * The Omnibus conformance suite (`omnibus/conformance`): the one suite every adapter passes, parameterized by a
 * {@link ConformanceHarness} and its feature switches, never forked per adapter. Every case's full name starts with
 * the adapter in brackets: `[memory] send/receive: body round trip (json object)`.
 *
 * Call {@link conformance} at the top level of a vitest file:
 *
 * @example
 * ```ts
 * // test/conformance.memory.test.ts
 * import { conformance, uniqueNames } from './conformance/index.js';
 * import { memory, VirtualClock } from '../adapters/memory/index.js';
 *
 * const clock = new VirtualClock();
 * conformance({
 *   name: 'memory',
 *   clock,
 *   pendingTimers: () => clock.pendingTimers,
 *   makeDriver: () => memory({ clock }),
 *   uniqueName: uniqueNames(),
 *   minLeaseSeconds: 2,
 *   features: {
 *     ordering: true, dedup: true, dedupWindowObservable: true, delay: 'native', nativeDeadLetterReason: false,
 *     brokerDeadLetter: true, serverFilters: true, leaseExpiry: true, deliveryCount: true,
 *     numberAttributes: 'number', binaryAttributes: 'bytes',
 *   },
 * });
 * ```
 * @module
 */
import { describe } from 'vitest';
import { registerAttributeCases } from './cases/attributes.js';
import { registerBatchingCases } from './cases/batching.js';
import { registerCapabilityCases } from './cases/capabilities.js';
import { registerConsumerCases } from './cases/consumers.js';
import { registerDeadLetterCases } from './cases/dead-letter.js';
import { registerDedupCases } from './cases/dedup.js';
import { registerDelayCases } from './cases/delay.js';
import { registerEntityCases } from './cases/entities.js';
import { registerInteropCases } from './cases/interop.js';
import { registerLeaseCases } from './cases/leases.js';
import { registerLifecycleCases } from './cases/lifecycle.js';
import { registerLimitCases } from './cases/limits.js';
import { registerMiddlewareCases } from './cases/middleware.js';
import { registerOrderingCases } from './cases/ordering.js';
import { registerSendReceiveCases } from './cases/send-receive.js';
import { registerTopicCases } from './cases/topics.js';
import { registerValidationCases } from './cases/validation.js';
import type { ConformanceHarness } from './harness.js';

export * from './harness.js';
export * from './support/cases.js';
export * from './support/collect.js';
export * from './support/fixtures.js';
export * from './support/recorders.js';
export * from './support/setup.js';
export * from './support/time.js';

/**
 * Registers the whole conformance suite for one adapter, under `describe('[<name>]')`, or `describe('[<name>:<variant>]')`
 * when the harness names a variant (a second configuration of the same adapter counts apart from the first).
 *
 * @example
 * ```ts
 * conformance(harness); // [aws] send/receive: body round trip (json object) …
 * ```
 */
export function conformance(h: ConformanceHarness): void {
  describe(h.variant ? `[${h.name}:${h.variant}]` : `[${h.name}]`, () => registerAll(h));
}

function registerAll(h: ConformanceHarness): void {
  registerCapabilityCases(h);
  registerSendReceiveCases(h);
  registerAttributeCases(h);
  registerBatchingCases(h);
  registerConsumerCases(h);
  registerTopicCases(h);
  registerDelayCases(h);
  registerLeaseCases(h);
  registerDeadLetterCases(h);
  registerOrderingCases(h);
  registerDedupCases(h);
  registerLimitCases(h);
  registerValidationCases(h);
  registerEntityCases(h);
  registerInteropCases(h);
  registerLifecycleCases(h);
  registerMiddlewareCases(h);
}
