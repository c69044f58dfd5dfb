/**
 * What a function handler factory is given to process with: a bus, or a driver (then a bus is made for the one
 * source, so the factory works in a module that declares nothing else). Imports no cloud SDK.
 *
 * @example
 * ```ts
 * const bus = busFor(aws(), billing); // createBus({ adapter: driver, declarations: [billing] })
 * const same = busFor(bus, billing);  // a bus is used as it is
 * ```
 * @module
 */
import { type Bus, createBus } from '../../core/bus.js';
import type { Consumable } from '../../core/declarations.js';
import { DRIVER_SPEC_VERSION, type Driver } from '../../core/driver.js';
import { ConfigurationError } from '../../core/errors.js';

/** A bus, or the driver to make one on. */
export type BusOrDriver = Bus | Driver;

function isBus(value: unknown): value is Bus {
  return typeof value === 'object' && value !== null && typeof (value as Bus).processor === 'function';
}

function isDriver(value: unknown): value is Driver {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Driver).specVersion === DRIVER_SPEC_VERSION &&
    typeof (value as Driver).send === 'function'
  );
}

/**
 * The bus to process `source` with: `target` itself when it is a bus, else a new bus on the driver `target` that
 * declares `source`. Throws {@link ConfigurationError} (field `bus`) for anything else.
 *
 * @example
 * ```ts
 * const bus = busFor(memory(), billing);
 * ```
 */
export function busFor(target: BusOrDriver, source: Consumable): Bus {
  if (isBus(target)) return target;
  if (isDriver(target)) return createBus({ adapter: target, declarations: [source] });
  throw new ConfigurationError(
    'bus',
    `expected a bus (createBus(…)) or a driver implementing spec v${DRIVER_SPEC_VERSION}`,
  );
}

/**
 * Checks that `source` is a queue or subscription declaration; throws {@link ConfigurationError} naming `field`.
 *
 * @example
 * ```ts
 * assertConsumable(billing, 'source'); // ok
 * ```
 */
export function assertConsumable(source: unknown, field: string): asserts source is Consumable {
  const kind = (source as { kind?: unknown } | null)?.kind;
  if (kind !== 'queue' && kind !== 'subscription') {
    throw new ConfigurationError(
      field,
      `expected a queue or subscription declaration (defineQueue, topic.subscription), got ${kind === undefined ? typeof source : `a ${String(kind)}`}`,
    );
  }
}
