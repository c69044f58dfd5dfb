/**
 * How cases are declared: every case gets the harness's timeout; a switched-off feature becomes a skipped test whose
 * name carries the reason; typed errors are checked by their cross-copy `isInstance`.
 *
 * @example
 * ```ts
 * testCase(h, 'body round trip', async () => { … });
 * whenOn(h, 'dedup', 'same dedup id is dropped', async () => { … }); // or skipped with the reason
 * const err = await expectError(bus.send(q, huge), LimitError);
 * ```
 * @module
 */
import { expect, it } from 'vitest';
import type { ConformanceHarness, FeatureSwitches } from '../harness.js';
import { reasonOff, testTimeoutOf } from '../harness.js';

/**
 * Declares one case with the harness's per-test timeout.
 *
 * @example
 * ```ts
 * testCase(h, 'fan-out to every subscription', async () => { … });
 * ```
 */
export function testCase(h: ConformanceHarness, name: string, fn: () => Promise<void>): void {
  it(name, fn, testTimeoutOf(h));
}

/**
 * Declares a skipped case whose name says why: `<name> (switched off: <reason>)`. Skipped, never counted as a pass.
 *
 * @example
 * ```ts
 * switchedOff(h, 'serverFilters', 'non-matching messages never reach the subscription');
 * ```
 */
export function switchedOff(h: ConformanceHarness, feature: keyof FeatureSwitches, name: string): void {
  it.skip(`${name} (switched off: ${reasonOff(h, feature)})`, () => undefined);
}

/**
 * Declares a skipped case for a reason that is not a feature switch (e.g. real time makes it too slow).
 *
 * @example
 * ```ts
 * skipped('a 15-minute delay is emulated', 'takes too long in real time');
 * ```
 */
export function skipped(name: string, reason: string): void {
  it.skip(`${name} (switched off: ${reason})`, () => undefined);
}

/**
 * Declares `name` when the switch is on (truthy), else a skipped case with the reason.
 *
 * @example
 * ```ts
 * whenOn(h, 'leaseExpiry', 'redelivery after the lease expires', async () => { … });
 * ```
 */
export function whenOn(
  h: ConformanceHarness,
  feature: keyof FeatureSwitches,
  name: string,
  fn: () => Promise<void>,
): void {
  if (h.features[feature]) testCase(h, name, fn);
  else switchedOff(h, feature, name);
}

/**
 * An error class with a cross-copy type guard, like every Omnibus error class.
 *
 * @example
 * ```ts
 * const kind: ErrorKind<LimitError> = LimitError;
 * ```
 */
export interface ErrorKind<E> {
  readonly name: string;
  isInstance(value: unknown): value is E;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Runs `action` (a promise, or a function that throws or rejects) and checks that it fails with `kind`; returns the
 * error for further checks. Fails the case when it succeeds or fails with anything else.
 *
 * @example
 * ```ts
 * const err = await expectError(() => bus.send(q, body, { attributes: { omnibus_x: '1' } }), ValidationError);
 * expect(err.field).toBe('attributes.omnibus_x');
 * ```
 */
export async function expectError<E>(
  action: Promise<unknown> | (() => unknown),
  kind: ErrorKind<E>,
): Promise<E> {
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    const value = typeof action === 'function' ? await action() : await action;
    outcome = { ok: true, value };
  } catch (error) {
    outcome = { ok: false, error };
  }
  if (outcome.ok) {
    expect.fail(`expected ${kind.name}, but it succeeded (${JSON.stringify(outcome.value) ?? 'undefined'})`);
  }
  if (!kind.isInstance(outcome.error)) {
    expect.fail(`expected ${kind.name}, got ${describeError(outcome.error)}`);
  }
  return outcome.error;
}
