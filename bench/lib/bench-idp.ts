/** The IdP the login bench plays: bench/logins.ts signs as it, bench/lib/login-server.ts trusts it. */
export const IDP_ENTITY_ID = 'https://idp.bench.test/saml';
export const IDP_SSO_URL = 'https://idp.bench.test/saml/sso';
