import { afterEach, describe, expect, it, vi } from 'vitest';
import { clientConfig, isLocalEndpoint } from '../../adapters/aws/clients.js';
import { aws } from '../../adapters/aws/index.js';
import { ConfigurationError } from '../../core/errors.js';

afterEach(() => vi.unstubAllEnvs());

function clearAwsEnv() {
  for (const name of [
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_SQS',
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_ACCESS_KEY_ID',
    'AWS_PROFILE',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
  ]) {
    vi.stubEnv(name, undefined as unknown as string);
  }
}

describe('aws configuration', () => {
  it('leaves region, endpoint and credentials to the SDK chain against AWS', () => {
    clearAwsEnv();
    expect(clientConfig({}, 'SQS')).toEqual({});
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    expect(clientConfig({}, 'SQS')).toEqual({ region: 'eu-west-1' });
  });

  it('takes the endpoint from options, then AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL', () => {
    clearAwsEnv();
    vi.stubEnv('AWS_ENDPOINT_URL', 'http://localhost:4566');
    expect(clientConfig({}, 'SQS').endpoint).toBe('http://localhost:4566');
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', 'http://localhost:9324');
    expect(clientConfig({}, 'SQS').endpoint).toBe('http://localhost:9324');
    expect(clientConfig({ endpoint: 'http://127.0.0.1:1' }, 'SQS').endpoint).toBe('http://127.0.0.1:1');
  });

  it('gives a local endpoint a region and dummy credentials when none are configured', () => {
    clearAwsEnv();
    expect(clientConfig({ endpoint: 'http://127.0.0.1:4566' }, 'SQS')).toEqual({
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    vi.stubEnv('AWS_PROFILE', 'dev');
    expect(clientConfig({ endpoint: 'http://127.0.0.1:4566' }, 'SQS').credentials).toBeUndefined();
    expect(
      clientConfig({ endpoint: 'https://sqs.eu-west-1.amazonaws.com' }, 'SQS').credentials,
    ).toBeUndefined();
  });

  it('recognizes local endpoints', () => {
    expect(isLocalEndpoint('http://localhost:4566')).toBe(true);
    expect(isLocalEndpoint('http://localstack:4566')).toBe(true);
    expect(isLocalEndpoint('https://sqs.us-east-1.amazonaws.com')).toBe(false);
    expect(isLocalEndpoint('not a url')).toBe(false);
  });

  it('refuses bad options with a ConfigurationError naming the option', () => {
    expect(() => aws({ waitTimeSeconds: 21 })).toThrow(ConfigurationError);
    expect(() => aws({ namePrefix: 'a b' })).toThrow(/namePrefix/);
    expect(() => aws({ queueUrlPrefix: 'https://sqs.x/123' })).toThrow(/queueUrlPrefix/);
    expect(() => aws({ accountId: '12' })).toThrow(/accountId/);
  });
});
