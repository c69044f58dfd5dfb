/**
 * Cold-start entry: the Omnibus Azure Functions Service Bus handler (`functions/azure`) with a dead-letter queue
 * (Service Bus's own) and idempotency on Azure Tables.
 *
 * @example
 * ```ts
 * export { handler } from './omnibus-azure.js';
 * ```
 * @module
 */
import { azure, azureTableIdempotencyStore } from '../../../adapters/azure/index.js';
import { createBus, defineQueue } from '../../../core/index.js';
import { serviceBusHandler } from '../../../functions/azure/index.js';

const orders = defineQueue('orders', { maxAttempts: 5 });
const bus = createBus({
  adapter: azure({
    connectionString:
      process.env.SERVICEBUS_CONNECTION_STRING ??
      'Endpoint=sb://bench.servicebus.windows.net/;SharedAccessKeyName=bench;SharedAccessKey=bench',
  }),
  declarations: [orders],
  idempotency: {
    store: azureTableIdempotencyStore({
      tableName: 'idempotency',
      connectionString:
        process.env.AZURE_TABLES_CONNECTION_STRING ??
        'DefaultEndpointsProtocol=https;AccountName=bench;AccountKey=YmVuY2g=;EndpointSuffix=core.windows.net',
    }),
  },
});

/** The Service Bus trigger handler. */
export const handler = serviceBusHandler(bus, orders, async (message) => {
  void message.body;
});
