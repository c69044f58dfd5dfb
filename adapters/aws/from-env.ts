/**
 * The AWS driver configured from the environment, for `omnibus/env` (`OMNIBUS_ADAPTER=aws`) and for functions
 * deployed by the CDK constructs: region, credentials and endpoint come from the SDK's chain and
 * `AWS_ENDPOINT_URL`; the name prefix and account id from the variables the constructs set.
 *
 * @example
 * ```ts
 * const driver = awsFromEnv(process.env);
 * ```
 * @module
 */
import type { Driver } from '../../core/driver.js';
import { type AwsOptions, aws } from './driver.js';
import { readAwsEnvironment } from './environment.js';

/**
 * An AWS driver from environment variables (`OMNIBUS_AWS_NAME_PREFIX`, `OMNIBUS_AWS_ACCOUNT_ID`, plus the SDK's own).
 *
 * @example
 * ```ts
 * awsFromEnv({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', OMNIBUS_AWS_NAME_PREFIX: 'dev-' });
 * ```
 */
export function awsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Driver {
  const settings = readAwsEnvironment(env);
  const options: { -readonly [K in keyof AwsOptions]: AwsOptions[K] } = {};
  if (settings.namePrefix !== undefined) options.namePrefix = settings.namePrefix;
  if (settings.accountId !== undefined) options.accountId = settings.accountId;
  if (env.AWS_ENDPOINT_URL) options.endpoint = env.AWS_ENDPOINT_URL;
  if (env.AWS_REGION) options.region = env.AWS_REGION;
  return aws(options);
}
