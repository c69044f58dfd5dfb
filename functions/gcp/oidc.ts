/**
 * Verification of the OIDC token Pub/Sub attaches to authenticated push requests (`Authorization: Bearer <JWT>`),
 * through Google's auth library: the signature against Google's certificates, the issuer (`accounts.google.com`),
 * expiry and audience (`OAuth2Client.verifyIdToken`), then the claims the push subscription's service account
 * makes: `email` equal to the expected service account and `email_verified` true
 * (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions). `google-auth-library` is imported on first
 * use, unless a verifier is given.
 *
 * @example
 * ```ts
 * const check = pushTokenChecker({ audience: 'https://billing-abc.run.app/push', serviceAccountEmail: 'push@p.iam.gserviceaccount.com' });
 * const failure = await check(req.headers.authorization); // undefined when the token is good
 * ```
 * @module
 */
import { ConfigurationError } from '../../core/errors.js';

/** The claims read from a verified token. */
export interface IdTokenClaims {
  readonly email?: string | undefined;
  readonly email_verified?: boolean | undefined;
  readonly aud?: string | undefined;
  readonly iss?: string | undefined;
  readonly sub?: string | undefined;
}

/** Verifies an ID token's signature, issuer, expiry and audience (as `OAuth2Client` does). */
export interface IdTokenVerifier {
  verifyIdToken(options: {
    idToken: string;
    audience?: string | string[];
  }): Promise<{ getPayload(): IdTokenClaims | undefined }>;
}

/** Options of push authentication. */
export interface PushAuthOptions {
  /** The audience the push subscription puts in tokens (default in Pub/Sub: the push endpoint URL). */
  readonly audience: string | readonly string[];
  /** The service account the push subscription signs as; tokens for any other account are refused. */
  readonly serviceAccountEmail?: string;
  /** The verifier (default: a `google-auth-library` `OAuth2Client`, fetching Google's certificates). */
  readonly verifier?: IdTokenVerifier;
}

/** Why a request was refused: 401 without a bearer token, 403 with a token that does not pass. */
export interface PushAuthFailure {
  readonly status: 401 | 403;
  readonly reason: string;
}

/**
 * A checker of push requests' `Authorization` header; resolves undefined when the token is good.
 *
 * @example
 * ```ts
 * const check = pushTokenChecker({ audience: 'https://example.com/push', verifier: new OAuth2Client() });
 * ```
 */
export function pushTokenChecker(
  options: PushAuthOptions,
): (authorization: string | undefined) => Promise<PushAuthFailure | undefined> {
  const audiences = typeof options.audience === 'string' ? [options.audience] : [...(options.audience ?? [])];
  if (audiences.length === 0 || audiences.some((a) => typeof a !== 'string' || a === '')) {
    throw new ConfigurationError(
      'verify.audience',
      'must be a non-empty string (or strings): the push audience',
    );
  }
  if (options.serviceAccountEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(options.serviceAccountEmail)) {
    throw new ConfigurationError('verify.serviceAccountEmail', 'must be a service account email');
  }
  let verifier: Promise<IdTokenVerifier> | undefined = options.verifier
    ? Promise.resolve(options.verifier)
    : undefined;
  const load = () => {
    verifier ??= import('google-auth-library').then(
      (m) => new m.OAuth2Client() as unknown as IdTokenVerifier,
    );
    return verifier;
  };
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) return { status: 401, reason: 'no bearer token in the Authorization header' };
    let claims: IdTokenClaims | undefined;
    try {
      const ticket = await (await load()).verifyIdToken({
        idToken: match[1]!,
        audience: audiences.length === 1 ? audiences[0]! : audiences,
      });
      claims = ticket.getPayload();
    } catch (error) {
      return {
        status: 403,
        reason: `token refused: ${error instanceof Error ? error.message.split(':')[0] : 'invalid'}`,
      };
    }
    if (!claims) return { status: 403, reason: 'token has no claims' };
    if (options.serviceAccountEmail !== undefined) {
      if (claims.email !== options.serviceAccountEmail)
        return { status: 403, reason: 'token is for another account' };
      if (claims.email_verified !== true) return { status: 403, reason: 'token email is not verified' };
    }
    return undefined;
  };
}
