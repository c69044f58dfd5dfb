/**
 * What every handler module of the example shares: the bus on the AWS adapter, configured from the variables the
 * CDK constructs set (`OMNIBUS_AWS_NAME_PREFIX`, `OMNIBUS_AWS_ACCOUNT_ID`, see `infra/cdk/environment.ts`), the
 * demo's declarations, and a console logger (it never logs bodies). The bus is created once per container, when
 * the module loads, and reused by every invocation.
 *
 * @example
 * ```ts
 * import { bus, decls, logger } from './runtime.js';
 * export const handler = sqsHandler(bus, decls.shipping, async (m) => logger.info('shipped', { id: m.id }));
 * ```
 * @module
 */
import { aws } from '../../../adapters/aws/index.js';
import { createBus } from '../../../core/bus.js';
import { consoleLogger } from '../../../core/logger.js';
import { readAwsEnvironment } from '../../../adapters/aws/environment.js';
import { pipeline } from '../pipeline.js';

const env = readAwsEnvironment(process.env);

/**
 * The demo's declarations, with the deployed prefix.
 *
 * @example
 * ```ts
 * decls.billing.name; // 'omnibus-demo-billing'
 * ```
 */
export const decls = pipeline();

/**
 * Logs to CloudWatch through the console; ids and counts only.
 *
 * @example
 * ```ts
 * logger.info('shipping: order shipped', { messageId: message.id });
 * ```
 */
export const logger = consoleLogger('info');

/**
 * The bus of this function.
 *
 * @example
 * ```ts
 * await bus.send(decls.billing, order);
 * ```
 */
export const bus = createBus({
  adapter: aws({
    ...(env.namePrefix !== undefined ? { namePrefix: env.namePrefix } : {}),
    ...(env.accountId !== undefined ? { accountId: env.accountId } : {}),
  }),
  declarations: Object.values(decls),
  logger,
});

/**
 * The idempotency table's name, set on functions that use it.
 *
 * @example
 * ```ts
 * dynamoDbIdempotencyStore({ tableName: idempotencyTable ?? 'unset' });
 * ```
 */
export const idempotencyTable = env.idempotencyTable;
