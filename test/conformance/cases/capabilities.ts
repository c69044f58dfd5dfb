/**
 * Capability cases: the driver implements this spec version, its declared capabilities agree with the harness's
 * feature switches (so a switch cannot hide a missing feature), and its limits are coherent.
 *
 * @example
 * ```ts
 * registerCapabilityCases(harness);
 * ```
 * @module
 */
import { describe, expect } from 'vitest';
import { DRIVER_SPEC_VERSION, RESERVED_ATTRIBUTE_SLOTS } from '../../../core/index.js';
import type { ConformanceHarness } from '../harness.js';
import { testCase } from '../support/cases.js';
import { withDriver } from '../support/setup.js';

/**
 * Registers the capability cases.
 *
 * @example
 * ```ts
 * registerCapabilityCases(h);
 * ```
 */
export function registerCapabilityCases(h: ConformanceHarness): void {
  describe('capabilities:', () => {
    testCase(h, 'declared capabilities agree with the feature switches and are coherent', async () => {
      await withDriver(h, (driver) => {
        const caps = driver.capabilities;
        const f = h.features;
        expect(driver.specVersion).toBe(DRIVER_SPEC_VERSION);
        expect(typeof caps.provider).toBe('string');
        expect(caps.provider.length).toBeGreaterThan(0);
        expect(caps.ordering, 'features.ordering').toBe(f.ordering);
        expect(caps.dedup !== false, 'features.dedup').toBe(f.dedup);
        expect(caps.deadLetter.withReason, 'features.nativeDeadLetterReason').toBe(f.nativeDeadLetterReason);
        if (f.serverFilters) expect(caps.serverFilters, 'features.serverFilters').toBe(true);
        if (f.delay === 'native') expect(caps.delay.maxSeconds).toBeGreaterThan(0);
        if (f.delay === 'emulated') {
          expect(caps.delay.maxSeconds).toBe(0);
          expect(caps.release.maxDelaySeconds).toBeGreaterThan(0);
        }
        if (f.delay === 'none') {
          expect(caps.delay.maxSeconds).toBe(0);
          expect(caps.release.maxDelaySeconds).toBe(0);
        }
        if (caps.dedup) {
          expect(caps.dedup.minWindowSeconds).toBeLessThanOrEqual(caps.dedup.maxWindowSeconds);
          if (caps.dedup.fixedWindowSeconds !== undefined) {
            expect(caps.dedup.fixedWindowSeconds).toBeGreaterThanOrEqual(caps.dedup.minWindowSeconds);
            expect(caps.dedup.fixedWindowSeconds).toBeLessThanOrEqual(caps.dedup.maxWindowSeconds);
          }
        }
        expect(caps.deadLetter.minDeliveries).toBeGreaterThanOrEqual(1);
        expect(caps.deadLetter.minDeliveries).toBeLessThanOrEqual(caps.deadLetter.maxDeliveries);
        expect(caps.lease.minSeconds).toBeLessThanOrEqual(caps.lease.maxSeconds);
        expect(h.minLeaseSeconds).toBeGreaterThanOrEqual(caps.lease.minSeconds);
        expect(h.minLeaseSeconds).toBeLessThanOrEqual(caps.lease.maxSeconds);
        const l = caps.limits;
        expect(l.maxMessageBytes).toBeGreaterThan(0);
        expect(l.maxBatchCount).toBeGreaterThanOrEqual(1);
        expect(l.maxBatchBytes, 'a message at the size limit must fit a batch').toBeGreaterThanOrEqual(
          l.maxMessageBytes,
        );
        expect(l.maxReceiveCount).toBeGreaterThanOrEqual(1);
        expect(l.maxAttributes, 'room for the reserved slot and one user attribute').toBeGreaterThan(
          RESERVED_ATTRIBUTE_SLOTS,
        );
        expect(l.maxAttributeNameBytes).toBeGreaterThan(0);
        expect(l.maxAttributeValueBytes).toBeGreaterThan(0);
        expect(l.maxOrderingKeyLength).toBeGreaterThan(0);
        expect(l.maxDedupIdLength).toBeGreaterThanOrEqual(64); // the default content-hash id is 64 hex characters
        for (const name of ['region', 'order-id', 'order_id', 'a0', 'omnibus_meta', 'omnibus_dead_letter']) {
          expect(l.attributeNamePattern.test(name), `attribute name ${name}`).toBe(true);
        }
        for (const prefix of l.reservedAttributePrefixes) {
          expect('omnibus_meta'.toLowerCase().startsWith(prefix.toLowerCase())).toBe(false);
        }
      });
    });
  });
}
