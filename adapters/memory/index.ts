/**
 * `omnibus/memory`: the in-memory broker (a twin with real broker semantics), its virtual clock and fault
 * injection.
 *
 * @example
 * ```ts
 * import { createBus, defineQueue } from 'omnibus';
 * import { memory, VirtualClock } from 'omnibus/memory';
 *
 * const clock = new VirtualClock();
 * const driver = memory({ clock });
 * const bus = createBus({ adapter: driver, clock, declarations: [defineQueue('billing')] });
 * ```
 * @module
 */
export { DedupWindow } from './dedup.js';
export { MemoryDelivery } from './delivery.js';
export { Deque } from './deque.js';
export { type MemoryDriver, type MemoryEntities, type MemoryOptions, memory } from './driver.js';
export type { MemoryFaults } from './faults.js';
export { BinaryHeap } from './heap.js';
export * from './limits.js';
export type { DeadLetterInfo, MemoryRawMessage } from './message.js';
export { seededRandom } from './random.js';
export { type EntityCounts, LEASE_LOST, MAX_DELIVERIES_REASON } from './store.js';
export { Timeline, type TimelineEntry } from './timeline.js';
export { VIRTUAL_EPOCH_MS, VirtualClock, type VirtualClockOptions } from './virtual-clock.js';
