/**
 * Cold-start entry: the Azure floor — a Service Bus trigger handler that only imports the bare Service Bus client.
 *
 * @example
 * ```ts
 * export { handler } from './floor-azure.js';
 * ```
 * @module
 */
import { ServiceBusClient } from '@azure/service-bus';

const client = new ServiceBusClient(
  process.env.SERVICEBUS_CONNECTION_STRING ??
    'Endpoint=sb://localhost/;SharedAccessKeyName=bench;SharedAccessKey=bench',
);

/** The trigger handler. */
export const handler = async (message: unknown): Promise<void> => {
  void JSON.stringify(message);
  void client;
};
