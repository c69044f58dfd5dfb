/**
 * `omnibus/functions/gcp`: Pub/Sub messages in Cloud Run functions (a CloudEvent handler for
 * `@google-cloud/functions-framework`) and on push endpoints (an HTTP handler: 2xx acks, anything else nacks, with
 * optional OIDC verification through `google-auth-library`), on the same pipeline as `bus.consume`. Imports only
 * Google libraries (`google-auth-library`, lazily, for token verification).
 *
 * @example
 * ```ts
 * import * as functions from '@google-cloud/functions-framework';
 * import { createBus, defineQueue } from 'omnibus';
 * import { gcp } from 'omnibus/gcp';
 * import { pubsubCloudEventHandler } from 'omnibus/functions/gcp';
 *
 * const billing = defineQueue('billing');
 * const bus = createBus({ adapter: gcp(), declarations: [billing] });
 * functions.cloudEvent('billing', pubsubCloudEventHandler(bus, billing, async (m) => charge(m.body)));
 * ```
 * @module
 */

export type { BusOrDriver } from '../shared/bus-source.js';
export type { FunctionIdempotencyOptions } from '../shared/idempotency.js';
export type { FunctionHandlerOptions, TimeLimitOptions } from '../shared/options.js';
export { RedeliveryRequested } from '../shared/outcome.js';
export {
  type CloudEventHandlerOptions,
  cloudEventProblem,
  type PubsubCloudEventFunction,
  pubsubCloudEventHandler,
} from './cloud-event.js';
export {
  MESSAGE_PUBLISHED_TYPE,
  type MessagePublishedData,
  type PubsubCloudEvent,
  type PubsubMessageJson,
  type PushBody,
} from './events.js';
export { attemptOf, pubsubMessageProblem } from './message.js';
export {
  type IdTokenClaims,
  type IdTokenVerifier,
  type PushAuthFailure,
  type PushAuthOptions,
  pushTokenChecker,
} from './oidc.js';
export {
  MAX_PUSH_BODY_BYTES,
  type PubsubPushHandler,
  type PushHandlerOptions,
  type PushRequest,
  type PushResponse,
  pubsubPushHandler,
} from './push.js';
