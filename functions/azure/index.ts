/**
 * `omnibus/functions/azure`: Service Bus messages in Azure Functions (v4 Node.js model: `app.serviceBusQueue`,
 * `app.serviceBusTopic`), settled the platform's way (return completes, throw abandons), on the same pipeline as
 * `bus.consume`. Imports no SDK: it works with the `@azure/functions` objects structurally.
 *
 * @example
 * ```ts
 * import { app } from '@azure/functions';
 * import { createBus, defineQueue } from 'omnibus';
 * import { azure } from 'omnibus/azure';
 * import { serviceBusQueueFunction } from 'omnibus/functions/azure';
 *
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: azure({ connectionString: process.env.ServiceBus! }), declarations: [billing] });
 * app.serviceBusQueue('billing', serviceBusQueueFunction(bus, billing, bill, { connection: 'ServiceBus' }));
 * ```
 * @module
 */

export type { BusOrDriver } from '../shared/bus-source.js';
export type { FunctionIdempotencyOptions } from '../shared/idempotency.js';
export type { FunctionHandlerOptions, TimeLimitOptions } from '../shared/options.js';
export { RedeliveryRequested } from '../shared/outcome.js';
export { bodyOfInput, messageIdOf, propertiesToAttributes } from './properties.js';
export {
  type ServiceBusFunctionHandler,
  type ServiceBusHandlerOptions,
  type ServiceBusQueueFunctionOptions,
  type ServiceBusQueueFunctionSettings,
  type ServiceBusTopicFunctionOptions,
  type ServiceBusTopicFunctionSettings,
  type ServiceBusTriggerSettings,
  serviceBusHandler,
  serviceBusQueueFunction,
  serviceBusTopicFunction,
} from './service-bus.js';
export type { InvocationContextLike, ServiceBusTriggerMetadata } from './types.js';
