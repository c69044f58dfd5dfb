/**
 * The environment variables the constructs set on functions. Defined once, next to the AWS adapter that reads them
 * (`adapters/aws/environment.ts`); re-exported here for the constructs.
 *
 * @example
 * ```ts
 * import { queueUrlVariable } from 'omnibus/cdk';
 * queueUrlVariable('orders/email'); // 'OMNIBUS_AWS_QUEUE_URL_ORDERS__EMAIL'
 * ```
 * @module
 */
export * from '../../adapters/aws/environment.js';
