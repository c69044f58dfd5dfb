/**
 * Setup shared by the CloudEvent and push handlers: the bus, the processor (leases owned by the platform) and what
 * processing a Pub/Sub message needs.
 *
 * @example
 * ```ts
 * const ctx = pubsubProcessing(bus, billing, handler, options);
 * ```
 * @module
 */
import { subscriptionIdOf } from '../../adapters/gcp/names.js';
import type { Consumable, MessageBody } from '../../core/declarations.js';
import { pathOf } from '../../core/declarations.js';
import type { SourceSpec } from '../../core/driver.js';
import { ConfigurationError } from '../../core/errors.js';
import type { Handler } from '../../core/message.js';
import { specOf } from '../../core/plan.js';
import { assertConsumable, type BusOrDriver, busFor } from '../shared/bus-source.js';
import {
  checkWhole,
  commonSetup,
  type FunctionHandlerOptions,
  type TimeLimitOptions,
} from '../shared/options.js';
import type { PubsubProcessing } from './message.js';

/**
 * Everything needed to process messages of `source` in a Cloud Run function or push endpoint.
 *
 * @example
 * ```ts
 * const ctx = pubsubProcessing(gcp(), billing, handler, {});
 * ```
 */
export function pubsubProcessing<D extends Consumable<any>>(
  target: BusOrDriver,
  source: D,
  handler: Handler<MessageBody<D>>,
  options: FunctionHandlerOptions & TimeLimitOptions,
): PubsubProcessing {
  assertConsumable(source, 'source');
  checkWhole('timeoutMs', options.timeoutMs, 1, 3_600_000);
  if (typeof handler !== 'function') throw new ConfigurationError('handler', 'must be a function');
  const bus = busFor(target, source);
  const { processorOptions, logger } = commonSetup(options);
  const spec = specOf(source as Consumable, bus.capabilities) as SourceSpec;
  return {
    processor: bus.processor(source, handler, processorOptions),
    spec,
    subscriptionId: subscriptionIdOf(spec),
    logger,
    source: pathOf(source as Consumable),
    timeoutMs: options.timeoutMs,
  };
}
