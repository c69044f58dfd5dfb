/**
 * Middleware cases: retry and dead-lettering with the full envelope, validation failures, the dead-letter API
 * (read, count, redrive with filter, max, rate limit, dry run and loop guard) and idempotency (exactly one effect
 * under duplicates, concurrency and a killed consumer). Every adapter runs them.
 *
 * @example
 * ```ts
 * describe(`[${h.name}]`, () => registerMiddlewareCases(h));
 * ```
 * @module
 */
import { describe } from 'vitest';
import type { ConformanceHarness } from '../harness.js';
import { registerMiddlewareDeadLetterCases } from './middleware-dead-letters.js';
import { registerMiddlewareIdempotencyCases } from './middleware-idempotency.js';
import { registerRedriveCountCases } from './middleware-redrive-count.js';

/**
 * Registers the middleware conformance cases, named `middleware: …`.
 *
 * @example
 * ```ts
 * registerMiddlewareCases(harness);
 * ```
 */
export function registerMiddlewareCases(h: ConformanceHarness): void {
  describe('middleware:', () => {
    registerMiddlewareDeadLetterCases(h);
    registerMiddlewareIdempotencyCases(h);
    registerRedriveCountCases(h);
  });
}
