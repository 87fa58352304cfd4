// OIDC/JWT bearer tokens: signature checked against the configured JWKS (fetched from a URL and cached, or
// given inline), then issuer, audience and expiry. Claims name the user, workspace, role and groups.
import { createLocalJWKSet, createRemoteJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import type { StrataConfig } from '../../core/config.js';
import { StrataError } from '../../core/errors.js';
import type { Role } from '../../core/types.js';

export type OidcConfig = NonNullable<StrataConfig['server']['auth']['oidc']>;

export interface JwtIdentity {
  subject: string;
  /** The workspace the token names, or undefined to use the server's default workspace. */
  workspace: string | undefined;
  role: Role;
  groups: string[];
  /** Issuer and subject: keys the rate limiter. */
  id: string;
}

export interface JwtVerifier {
  verify(token: string): Promise<JwtIdentity>;
}

/** Asymmetric algorithms only: a shared-secret (HS*) token could be forged by anyone holding the JWKS. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const ROLES: readonly Role[] = ['admin', 'editor', 'reader'];

export function createJwtVerifier(oidc: OidcConfig): JwtVerifier {
  const keys = oidc.jwksUrl
    ? createRemoteJWKSet(new URL(oidc.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })
    : createLocalJWKSet(oidc.jwks as unknown as JSONWebKeySet);
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: oidc.issuer,
          audience: oidc.audience,
          algorithms: ALGORITHMS,
          clockTolerance: oidc.clockToleranceSeconds,
          requiredClaims: ['sub', 'exp'],
        }));
      } catch (e) {
        throw rejection(e);
      }
      return identityOf(payload, oidc);
    },
  };
}

function identityOf(payload: JWTPayload, oidc: OidcConfig): JwtIdentity {
  const unauthorized = (why: string) => new StrataError('server:auth', 'unauthorized', `bearer token rejected: ${why}`);
  const subject = payload.sub;
  if (typeof subject !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$/.test(subject)) throw unauthorized('the "sub" claim is not a valid user id');
  const ws = payload[oidc.workspaceClaim];
  if (ws !== undefined && typeof ws !== 'string') throw unauthorized(`the "${oidc.workspaceClaim}" claim must be a string`);
  const role = payload[oidc.roleClaim] ?? oidc.defaultRole;
  if (!ROLES.includes(role as Role)) throw unauthorized(`the "${oidc.roleClaim}" claim must be one of ${ROLES.join(', ')}`);
  const rawGroups = payload[oidc.groupsClaim] ?? [];
  if (!Array.isArray(rawGroups) || !rawGroups.every((g) => typeof g === 'string')) {
    throw unauthorized(`the "${oidc.groupsClaim}" claim must be a list of group ids`);
  }
  // Group ids that could not appear in a policy are dropped rather than failing the whole token.
  const groups = (rawGroups as string[]).filter((g) => /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$/.test(g));
  return { subject, workspace: ws, role: role as Role, groups, id: `jwt:${payload.iss ?? ''}:${subject}` };
}

/** Says why a token was refused without echoing the token; a JWKS that cannot be fetched is a 503, not a 401. */
function rejection(e: unknown): StrataError {
  const why = (reason: string) => new StrataError('server:auth', 'unauthorized', `bearer token rejected: ${reason}`, { cause: e });
  if (e instanceof errors.JWTExpired) return why('the token has expired');
  if (e instanceof errors.JWTClaimValidationFailed) return why(`the "${e.claim}" claim ${e.reason === 'missing' ? 'is missing' : 'does not match'}`);
  if (e instanceof errors.JWSSignatureVerificationFailed) return why('the signature does not verify');
  if (e instanceof errors.JWKSNoMatchingKey) return why('it is signed with a key the identity provider does not publish');
  if (e instanceof errors.JOSEAlgNotAllowed) return why('its signing algorithm is not allowed');
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid || (e instanceof Error && !(e instanceof errors.JOSEError))) {
    return new StrataError('server:auth', 'unavailable', 'the identity provider key set (JWKS) could not be fetched', {
      cause: e,
      hint: 'check server.auth.oidc.jwksUrl and that the identity provider is reachable',
    });
  }
  return why('it is not a well-formed JWT');
}
