/**
 * The DynamoDB tables the AWS function entries use for idempotency, created on moto before the first-event probes:
 * `omnibus-idempotency` (partition key `pk`, Omnibus's store) and `powertools-idempotency` (partition key `id`,
 * Powertools' default).
 *
 * @example
 * ```ts
 * await createIdempotencyTables({ endpoint: 'http://127.0.0.1:4566', region: 'us-east-1' });
 * ```
 * @module
 */
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { AwsEndpoint } from '../lib/services.js';

/** Table name → partition key. */
export const IDEMPOTENCY_TABLES: Readonly<Record<string, string>> = {
  'omnibus-idempotency': 'pk',
  'powertools-idempotency': 'id',
};

/**
 * Creates the tables (an existing table is fine).
 *
 * @example
 * ```ts
 * await createIdempotencyTables(aws);
 * ```
 */
export async function createIdempotencyTables(aws: AwsEndpoint): Promise<void> {
  const client = new DynamoDBClient({
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    for (const [name, key] of Object.entries(IDEMPOTENCY_TABLES)) {
      try {
        await client.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
            KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
          }),
        );
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
    }
  } finally {
    client.destroy();
  }
}

/**
 * The environment a first-event probe runs with: the SDK pointed at moto with dummy credentials.
 *
 * @example
 * ```ts
 * probeEnvironment(aws); // { AWS_ENDPOINT_URL: 'http://127.0.0.1:…', AWS_REGION: 'us-east-1', … }
 * ```
 */
export function probeEnvironment(aws: AwsEndpoint): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_REGION: aws.region,
    AWS_DEFAULT_REGION: aws.region,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}
