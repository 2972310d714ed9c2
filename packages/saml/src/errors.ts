/**
 * Every refusal in koa-mellon is a `MellonError` with a stable `code`. The catalogue below is the
 * single source of `docs/errors.md` (generated; a test fails when they drift).
 */
interface CodeInfo {
  /** What the code means, in one sentence. */
  readonly meaning: string;
  /** The likely cause when a legitimate deployment sees it. */
  readonly cause: string;
  /** What an operator does about it. */
  readonly fix: string;
}

export const ERROR_CODES = {
  // Input and XML hardening
  INPUT_TOO_LARGE: {
    meaning: 'The message is larger than the configured size limit.',
    cause: 'An attacker probing for denial of service, or an IdP releasing very many attributes.',
    fix: 'Raise `limits.maxBytes` only if the IdP legitimately sends such large responses.',
  },
  BASE64_INVALID: {
    meaning: 'A SAML parameter is not valid base64.',
    cause: 'A truncated or altered form post or query string.',
    fix: 'None: the message was damaged in transit or forged.',
  },
  INFLATE_FAILED: {
    meaning: 'An HTTP-Redirect message could not be inflated (DEFLATE) or inflated past the size limit.',
    cause: 'A peer that does not DEFLATE its Redirect messages, or a compression bomb.',
    fix: 'Check the peer uses the HTTP-Redirect binding as specified (raw DEFLATE, then base64).',
  },
  XML_INVALID: {
    meaning: 'The message is not well-formed XML (or contains NUL bytes or an unbound prefix).',
    cause: 'A damaged or forged message.',
    fix: 'None on our side; check the sending peer.',
  },
  XML_DOCTYPE_FORBIDDEN: {
    meaning: 'The message carries a DOCTYPE or entity declarations.',
    cause: 'An XXE or entity-expansion (billion laughs) attempt; no SAML peer needs a DTD.',
    fix: 'None: this is always refused.',
  },
  XML_PI_FORBIDDEN: {
    meaning: 'The message contains a processing instruction.',
    cause: 'An attempt to split or hide values; SAML messages carry none except the XML declaration.',
    fix: 'None: this is always refused.',
  },
  XML_TOO_DEEP: {
    meaning: 'Elements are nested deeper than the depth limit.',
    cause: 'A denial-of-service attempt.',
    fix: 'None: real SAML messages are shallow.',
  },
  XML_DUPLICATE_ID: {
    meaning: 'Two elements carry the same ID attribute.',
    cause: 'A signature-wrapping attempt (the signed element duplicated next to a forged one).',
    fix: 'None: this is always refused.',
  },
  XML_UNEXPECTED_CONTENT: {
    meaning: 'An element, text or sibling appears where the schema allows none (or too many).',
    cause: 'A wrapping attempt (an extra Assertion, text beside elements) or a malformed message.',
    fix: 'Check the peer’s output against the SAML schema.',
  },
  XML_SPLIT_VALUE: {
    meaning: 'A value is split by a comment, processing instruction or child element.',
    cause: 'The comment-injection attack class (2018): `user@evil.com<!---->.example.com`.',
    fix: 'None: this is always refused.',
  },
  MESSAGE_INVALID: {
    meaning: 'A required SAML element or attribute is missing or malformed.',
    cause: 'A peer that does not follow the schema, or a forged message.',
    fix: 'Enable `debug` to log the decoded message and compare it with saml-core.',
  },
  MESSAGE_TYPE_UNEXPECTED: {
    meaning: 'The root element is not the kind of message this endpoint takes.',
    cause: 'A LogoutRequest posted to the ACS, a Response to the logout URL, and the like.',
    fix: 'Check the endpoints registered at the peer.',
  },
  VERSION_UNSUPPORTED: {
    meaning: 'The message is not SAML 2.0.',
    cause: 'A SAML 1.1 peer.',
    fix: 'Configure the peer for SAML 2.0.',
  },
  // Signatures
  SIGNATURE_MISSING: {
    meaning: 'A signature required by policy is absent.',
    cause: 'The IdP signs only the response (or nothing) while the assertion must be signed, or a stripped signature.',
    fix: 'Have the IdP sign the assertion (recommended), or sign the whole response so that it covers the assertion.',
  },
  SIGNATURE_INVALID: {
    meaning: 'The signature value does not verify with any trusted key.',
    cause: 'Altered content, or the IdP rolled its signing key and our metadata is stale.',
    fix: 'Refresh the IdP metadata; if it persists, the message was tampered with.',
  },
  DIGEST_MISMATCH: {
    meaning: 'The signed element was changed after signing (its digest differs).',
    cause: 'Tampering, or a proxy that re-formats XML.',
    fix: 'None when tampered; otherwise stop the component that rewrites the XML.',
  },
  SIGNATURE_REFERENCE_INVALID: {
    meaning: 'The signature does not reference exactly the element that carries it.',
    cause: 'A signature-wrapping attempt, or a signature over another element.',
    fix: 'None: this is always refused.',
  },
  SIGNATURE_ALGORITHM_FORBIDDEN: {
    meaning: 'The signature, digest or canonicalization algorithm is not allowed.',
    cause: 'An IdP still signing with SHA-1, or an HMAC forgery attempt.',
    fix: 'Configure the IdP for rsa-sha256; set `allowSha1` only as a temporary measure.',
  },
  TRANSFORM_FORBIDDEN: {
    meaning: 'The signature uses a transform other than enveloped-signature and exclusive c14n.',
    cause: 'An XSLT/XPath transform attack, or an exotic signer.',
    fix: 'None: only the transforms of saml-core §5.4.4 are accepted.',
  },
  NO_TRUSTED_KEY: {
    meaning: 'No trusted key of a suitable type is configured to verify this signature.',
    cause: 'IdP metadata without a signing KeyDescriptor, or an ECDSA signature with only RSA keys.',
    fix: 'Check the IdP metadata holds its signing certificate.',
  },
  // Encryption
  DECRYPTION_FAILED: {
    meaning: 'An encrypted element could not be decrypted with any of our keys.',
    cause: 'The IdP encrypts to an old SP certificate, or the ciphertext was altered.',
    fix: 'Publish the current certificate in SP metadata; keep the old key in `privateKeys` during rollover.',
  },
  ENCRYPTION_ALGORITHM_FORBIDDEN: {
    meaning: 'The block cipher or key transport algorithm is not allowed.',
    cause: 'An IdP using rsa-1_5 or 3DES.',
    fix: 'Configure the IdP for RSA-OAEP and AES; `allowRsa15KeyTransport` exists for legacy IdPs only.',
  },
  // Protocol checks
  STATUS_NOT_SUCCESS: {
    meaning: 'The IdP answered with a non-success status.',
    cause: 'The user cancelled, failed to authenticate, or is not allowed to use this SP.',
    fix: 'See the status codes carried by the error (`StatusError.statusCodes`).',
  },
  ISSUER_MISMATCH: {
    meaning: 'The Issuer is not the entityID of the expected IdP.',
    cause: 'A response from another IdP, or an IdP whose entityID changed.',
    fix: 'Update the IdP metadata.',
  },
  DESTINATION_MISMATCH: {
    meaning: 'The Destination attribute is not our endpoint URL.',
    cause: 'A message meant for another SP, or `baseUrl` not matching the public URL (proxy, scheme).',
    fix: 'Set `baseUrl` to the exact public URL the IdP posts to.',
  },
  RECIPIENT_MISMATCH: {
    meaning: 'SubjectConfirmationData/@Recipient is not our ACS URL.',
    cause: 'An assertion issued for another SP, or `baseUrl` not matching the public URL.',
    fix: 'Set `baseUrl` to the exact public URL the IdP posts to.',
  },
  AUDIENCE_MISMATCH: {
    meaning: 'The assertion is not restricted to our entityID.',
    cause: 'An assertion for another SP (a confused-deputy attack), or an entityID configured differently at the IdP.',
    fix: 'Make the IdP’s audience for this SP equal our entityID.',
  },
  IN_RESPONSE_TO_MISMATCH: {
    meaning: 'InResponseTo does not match a request we sent (or it was already used).',
    cause: 'A replayed or cross-session response, or login state lost between instances (use a shared store).',
    fix: 'Use Redis as the store when several instances run; otherwise, start the login again.',
  },
  UNSOLICITED_RESPONSE: {
    meaning: 'An IdP-initiated (unsolicited) response arrived while they are not allowed.',
    cause: 'The IdP started the login itself (a tile in its portal).',
    fix: 'Set `allowIdpInitiated: true` for that IdP if you want portal logins.',
  },
  SUBJECT_CONFIRMATION_INVALID: {
    meaning: 'No bearer SubjectConfirmation satisfies the profile (Recipient, NotOnOrAfter, no NotBefore).',
    cause: 'An assertion meant for another profile, or a malformed one.',
    fix: 'Check the IdP issues bearer assertions for web SSO.',
  },
  ASSERTION_EXPIRED: {
    meaning: 'The message or assertion is past its NotOnOrAfter (plus the clock skew).',
    cause: 'A slow user, a replay, or clocks out of sync.',
    fix: 'Sync clocks with NTP; raise `clockSkew` a little if the IdP’s clock drifts.',
  },
  ASSERTION_NOT_YET_VALID: {
    meaning: 'The assertion’s NotBefore is in the future (beyond the clock skew).',
    cause: 'Clocks out of sync (common with ADFS).',
    fix: 'Sync clocks with NTP; raise `clockSkew` a little if the IdP’s clock drifts.',
  },
  NAMEID_MISSING: {
    meaning: 'The assertion has no NameID, and no setting names the attribute that identifies the user.',
    cause: 'An IdP that sends no subject identifier (ADFS without a NameID claim rule does this; saml-core §2.4.1 allows it).',
    fix: 'Add a NameID claim rule at the IdP, or set `transientFederationAttribute` (or a `usernameTemplate` that reads an attribute) so the user is identified by an attribute.',
  },
  ASSERTION_MISSING: {
    meaning: 'A success Response carries no assertion.',
    cause: 'A malformed response.',
    fix: 'Check the IdP configuration.',
  },
  AUTHN_STATEMENT_MISSING: {
    meaning: 'The assertion has no AuthnStatement, or one that does not satisfy the SSO profile.',
    cause: 'An attribute-only assertion sent to the ACS.',
    fix: 'Check the IdP configuration.',
  },
  REPLAYED_ASSERTION: {
    meaning: 'This assertion ID (or request ID) was already accepted once.',
    cause: 'A replay attack, or the browser posting the same form twice.',
    fix: 'None: start the login again.',
  },
  BINDING_INVALID: {
    meaning: 'The HTTP request does not carry a well-formed SAML binding (missing or duplicate parameters).',
    cause: 'A user opening an endpoint by hand, or a damaged request.',
    fix: 'None.',
  },
  KEY_INVALID: {
    meaning: 'A key or certificate could not be loaded.',
    cause: 'A PEM that is truncated, encrypted without its passphrase, or of an unsupported type.',
    fix: 'Check the file; `openssl x509 -in cert.pem -noout -text` should read it.',
  },
  // Metadata
  METADATA_INVALID: {
    meaning: 'Metadata is not a usable EntityDescriptor / EntitiesDescriptor.',
    cause: 'A wrong URL (an HTML login page), or metadata of another role.',
    fix: 'Open the metadata URL in a browser and check it is SAML 2.0 metadata.',
  },
  METADATA_EXPIRED: {
    meaning: 'The metadata is past its validUntil.',
    cause: 'A stale file or cache, or a federation aggregate that was not refreshed.',
    fix: 'Fetch fresh metadata; check the metadata URL is reachable.',
  },
  METADATA_ENTITY_CHANGED: {
    meaning: 'Refreshed metadata describes another entity than the one first loaded from that source; the good copy is kept.',
    cause: 'The metadata URL now serves another IdP (a moved or re-used URL, a misconfigured proxy, or an attacker who controls it).',
    fix: 'Check the URL. If the IdP really changed its entityID, set `entityId` to the new one, or delete the cached copy in `metadataCacheDir` and restart (the pin survives restarts through the disk cache).',
  },
  METADATA_UNAVAILABLE: {
    meaning: 'No copy of the metadata is available (fetch failed and nothing cached).',
    cause: 'The metadata URL is down or unreachable and there is no disk cache yet.',
    fix: 'Check the URL from the server (proxy, firewall, TLS).',
  },
  METADATA_URL_FORBIDDEN: {
    meaning: 'A guarded metadata URL (SSRF guard) is not https, or its host resolves to an address it may not reach (loopback, private, link-local, CGNAT, unspecified, cloud metadata...).',
    cause: 'A metadata URL typed by an administrator that points inside the network, or a name (or redirect) that resolves there.',
    fix: 'Use the IdP’s public https metadata URL; for a deliberate internal IdP add its host or CIDR to `metadataUrlAllowList`.',
  },
  ENTITY_NOT_FOUND: {
    meaning: 'The entityID is not in the configured metadata.',
    cause: 'A typo in `entityID`, or an aggregate that no longer lists it.',
    fix: 'Check the entityID against the metadata.',
  },
  // Organizations (koa-mellon multi-organization routing)
  TRACE_UNKNOWN: {
    meaning: 'The trace admin API (createTraceAdmin) holds no trace under this reference.',
    cause: 'A mistyped reference, a trace older than traceTtl, a trace kept in another store, or traces: false.',
    fix: 'Check the reference on the error page, and that the admin reads the store the SP writes to (docs/troubleshooting.md).',
  },
  ORGANIZATION_UNKNOWN: {
    meaning: 'No organization has the slug named in the URL.',
    cause: 'A mistyped or old link, or an organization that was removed.',
    fix: 'Check the slug against the organizations in settings (or the registry).',
  },
  ORGANIZATION_DISABLED: {
    meaning: 'The organization exists but is disabled: its users cannot sign in.',
    cause: 'An administrator disabled the organization (`enabled: false`).',
    fix: 'Enable the organization if its users should sign in again.',
  },
  ORGANIZATION_UNAVAILABLE: {
    meaning: 'The organization (from the registry) has settings its SP cannot be built from.',
    cause: 'An organization added or edited at run time with a setting that start-up validation would refuse (the log names the key).',
    fix: 'Correct the organization through the registry; the change takes effect on every instance.',
  },
  // Configuration and run time
  CONFIG_INVALID: {
    meaning: 'A setting is missing, unknown or of the wrong type (thrown at start-up only).',
    cause: 'A mistake in the settings object.',
    fix: 'Read the key path in the error (`identityProviders[1].metadataUrl`) and `docs/settings.md`.',
  },
  STORE_UNAVAILABLE: {
    meaning: 'The state store (memory, Redis or PostgreSQL) failed or did not answer within its deadline.',
    cause: 'Redis or PostgreSQL down or unreachable, or its tables not migrated (`koa-mellon migrate`).',
    fix: 'Restore the store; logins fail closed while it is down.',
  },
  PERMISSION_DENIED: {
    meaning: 'An adapter refused the login.',
    cause: 'The user is authenticated at the IdP but not authorized for this application.',
    fix: 'Grant access at the IdP (group, attribute) or adjust the adapter.',
  },
  UID_MISSING: {
    meaning: 'A verified login carries no stable identifier (uid) to key an account by: its NameID is transient or empty, and the attribute named by `transientFederationAttribute` is not set or has not exactly one value.',
    cause: 'An IdP that sends transient NameIDs (SimpleSAMLphp’s default for an SP read from XML metadata, Shibboleth’s) and no attribute the SP was told identifies the user; or that attribute missing from this user’s assertion. The login trace names the NameID format and the attribute looked for.',
    fix: 'Ask the IdP for a persistent NameID (list it in `nameIdFormats` or set `nameIdPolicyFormat`), or set `transientFederationAttribute` (per IdP or organization) to an attribute every user has exactly once.',
  },
  ARTIFACT_RESOLUTION_FAILED: {
    meaning: 'An HTTP-Artifact could not be resolved at the IdP.',
    cause: 'The IdP’s ArtifactResolutionService is unreachable, slow, or refused our request.',
    fix: 'Check the IdP metadata’s ArtifactResolutionService URL and TLS.',
  },
  LOGOUT_FAILED: {
    meaning: 'A single logout exchange over the SOAP back-channel failed (the peer was unreachable, slow, or answered something we could not accept).',
    cause: 'The peer’s SOAP SingleLogoutService is down or misconfigured, or its answer was unsigned, for another request, or not Success.',
    fix: 'Check the peer metadata’s SOAP SingleLogoutService URL, TLS and keys; the logout is reported as partial meanwhile.',
  },
  ACS_URL_NOT_REGISTERED: {
    meaning: 'An AuthnRequest asks for an AssertionConsumerService URL or index that the SP’s metadata does not list (IdP role).',
    cause: 'A forged request trying to send assertions elsewhere, or SP metadata out of date at the IdP.',
    fix: 'Refresh the SP’s metadata at the IdP; never answer to an unregistered address.',
  },
  LOGIN_BROWSER_MISMATCH: {
    meaning: 'The login was completed in another browser than the one that started it.',
    cause: 'A login CSRF attempt (someone else’s response pushed into this browser), or cookies blocked.',
    fix: 'Start the login again in this browser; allow cookies for this site.',
  },
  TRANSPORT_INSECURE: {
    meaning: 'A request reached an https endpoint over plain http, so a secure cookie cannot be set.',
    cause: 'A TLS-terminating proxy that does not send `X-Forwarded-Proto`, or `app.proxy` left false behind one; or a client calling the http URL directly.',
    fix: 'Behind a proxy, set `app.proxy = true` and make the proxy send `X-Forwarded-Proto: https`; otherwise serve the app over https.',
  },
  REQUEST_TIMEOUT: {
    meaning: 'The request body did not arrive within the body deadline.',
    cause: 'A very slow client, or a slow-upload (slowloris-style) attempt holding connections open.',
    fix: 'Raise the body deadline only if real clients need longer; see docs/deployment.md for server timeouts.',
  },
  // The SAML<->JWT bridge (@koa-mellon/jwt)
  TOKEN_MISSING: {
    meaning: 'An API request carried no access token (no `Authorization: Bearer` header and no access cookie).',
    cause: 'A call made before sign-in, or after the access cookie expired.',
    fix: 'Sign in, or refresh the tokens; the answer is 401 with `WWW-Authenticate: Bearer`.',
  },
  TOKEN_MALFORMED: {
    meaning: 'The access token is not a well-formed compact JWS JWT.',
    cause: 'A truncated or altered token, or something else sent as a bearer token.',
    fix: 'None on the server; check what the client sends.',
  },
  TOKEN_ALGORITHM_FORBIDDEN: {
    meaning: 'The token names an algorithm the key it names is not pinned to (`none`, HS256 with a public key, RS256 for an EdDSA key, ...).',
    cause: 'An algorithm-confusion attack (RFC 8725 §2.1, §3.1), or a token minted by another issuer.',
    fix: 'None: each key verifies with exactly one algorithm.',
  },
  TOKEN_KEY_UNKNOWN: {
    meaning: 'The token names a `kid` that is not in the key set (or names none).',
    cause: 'A forged token, a token from another issuer, or a key retired while its tokens were still live.',
    fix: 'Retire a key only after the access-token lifetime has passed since it last signed (docs/jwt.md, key rotation).',
  },
  TOKEN_TYPE_MISMATCH: {
    meaning: 'The token’s `typ` header is not `at+jwt` (RFC 9068 §2.1): an id token, a refresh token or another JWT was offered as an access token.',
    cause: 'Token substitution across kinds (RFC 8725 §3.11), or a client sending the wrong token.',
    fix: 'Send the access token; other JWT kinds are never accepted as one.',
  },
  TOKEN_SIGNATURE_INVALID: {
    meaning: 'The token’s signature does not verify with the key it names.',
    cause: 'A tampered header or payload, or a forged signature.',
    fix: 'None: the token was altered.',
  },
  TOKEN_CLAIM_INVALID: {
    meaning: 'A required claim is missing or wrong: `iss`, `aud`, `sub`, `jti`, `client_id`, or `nbf`/`iat` in the future.',
    cause: 'A token minted for another API (audience) or by another issuer, or a clock far off.',
    fix: 'Check `issuer` and `audience` in the bridge settings of both the issuer and the API.',
  },
  TOKEN_EXPIRED: {
    meaning: 'The access token’s `exp` has passed (beyond the clock skew).',
    cause: 'The normal end of a short-lived access token.',
    fix: 'The client refreshes (cookie mode: POST the refresh route; code mode: grant_type=refresh_token).',
  },
  TOKEN_REVOKED: {
    meaning: 'The access token (iss + jti) is on the deny list, or the refresh token belongs to a revoked family.',
    cause: 'A logout (the user’s, or the IdP’s LogoutRequest), or a detected refresh-token reuse.',
    fix: 'Sign in again.',
  },
  REFRESH_TOKEN_INVALID: {
    meaning: 'The refresh token is unknown, expired (idle or absolute lifetime), or not for this client.',
    cause: 'An old token after the idle timeout, the SAML SessionNotOnOrAfter reached, or a guessed value.',
    fix: 'Sign in again.',
  },
  REFRESH_TOKEN_REUSED: {
    meaning: 'A refresh token that was already rotated was presented again: its whole family is revoked (RFC 9700 §4.14.2).',
    cause: 'A stolen refresh token used by the thief or by the legitimate client after the other, or two tabs refreshing at once.',
    fix: 'Sign in again; investigate if it repeats for one user. Front ends refresh from one place at a time.',
  },
  CSRF_HEADER_MISSING: {
    meaning: 'A cookie-authenticated state-changing request lacks the required anti-CSRF request header.',
    cause: 'A cross-site form post or simple request (they cannot set custom headers), or a front end that forgot the header.',
    fix: 'Send the CSRF token (from the readable CSRF cookie) in the `x-csrf-token` header on every state-changing call.',
  },
  CSRF_TOKEN_INVALID: {
    meaning: 'The anti-CSRF token does not match the CSRF cookie or its HMAC does not bind it to this session.',
    cause: 'A forged or injected token (cookie tossing from a subdomain), or a token of an earlier session.',
    fix: 'Read the CSRF cookie again after each sign-in and refresh.',
  },
  CSRF_CROSS_SITE: {
    meaning: 'A cookie-authenticated state-changing request (JWT bridge), or a post of the identity-first login form (organizations), came from another site (`Sec-Fetch-Site`, or `Origin`/`Referer` when that is absent).',
    cause: 'A cross-site request forgery attempt, or a front end served from an origin not listed in `allowedOrigins`; for the login form, a page of another origin posting to `{base}/login/`.',
    fix: 'Serve the front end from the API’s origin, or list its origin; otherwise use the code handoff with bearer tokens. Link to `{base}/login/` (or `?org=<slug>`) instead of posting to it from another site.',
  },
  CODE_INVALID: {
    meaning: 'The authorization code is unknown, expired, already used, or was issued to another client or redirect URI.',
    cause: 'A replayed or intercepted code (a replay also revokes the tokens it produced), or a slow client.',
    fix: 'Start the sign-in again; codes live one minute and work once.',
  },
  PKCE_INVALID: {
    meaning: 'PKCE failed: no S256 `code_challenge` at the authorize step, or the `code_verifier` does not match it (RFC 7636).',
    cause: 'A code intercepted by another app, a downgrade attempt (`plain`), or a client bug.',
    fix: 'Send `code_challenge_method=S256` and the verifier of that challenge.',
  },
  REDIRECT_URI_NOT_ALLOWED: {
    meaning: 'The `redirect_uri` is not exactly one of the client’s registered redirect URIs (RFC 9700 §4.1.3).',
    cause: 'An attempt to send the code to another site, or a redirect URI missing from the client settings.',
    fix: 'Register the exact URI (scheme, host, port, path; no wildcards) in the client’s `redirectUris`.',
  },
  CLIENT_UNKNOWN: {
    meaning: 'The `client_id` is not a configured client of the bridge.',
    cause: 'A typo in the front end, or a probe.',
    fix: 'Add the client to the bridge’s `clients`.',
  },
  LAUNCH_LINK_INVALID: {
    meaning: 'A launch link (JWT → IdP-initiated login) is unknown, expired, already used, used for another SP or `next`, or its token was revoked since.',
    cause: 'A link opened twice, a slow browser (links live one minute), a link copied and edited, or a sign-out in between.',
    fix: 'Start again from the application: each click makes a new link.',
  },
  LAUNCH_SUBJECT_MISMATCH: {
    meaning: 'A launch link was opened in a browser whose access token belongs to another user.',
    cause: 'A link made by one user sent to another (an attempt to sign the victim in as the attacker), or two users sharing a browser.',
    fix: 'Open links you made yourself; sign out first to switch users.',
  },
  INTERNAL_ERROR: {
    meaning: 'An unexpected failure that is not about the request (a bug or an outage).',
    cause: 'See the logged error; the user saw a generic page.',
    fix: 'Report it with the log line; no bad input is meant to reach this code (a test proves it for the ACS).',
  },
} as const satisfies Record<string, CodeInfo>;

export type MellonErrorCode = keyof typeof ERROR_CODES;

/**
 * The root of every refusal. `message` is internal detail for logs (it never contains the
 * attacker's XML); the public text per code lives in the web layer.
 */
export class MellonError extends Error {
  override readonly name: string = 'MellonError';
  readonly code: MellonErrorCode;
  /**
   * For the operator only (a login trace, never a page or a log line): what the check expected and
   * what the message carried, e.g. `{ expected: 'https://sp/login/', received: 'https://evil/' }`.
   * Received values come from the wire; store them, do not echo them.
   */
  readonly detail: Readonly<Record<string, string>> | undefined;

  constructor(code: MellonErrorCode, message: string, options?: { cause?: unknown; detail?: Readonly<Record<string, string>> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = options?.detail;
  }
}

/**
 * Thrown only while settings are validated at start-up; `path` names the key. When a settings
 * object has several mistakes, one ConfigError (`ConfigError.of`) names the first in `path` and
 * lists every one in `problems` and in its message.
 */
export class ConfigError extends MellonError {
  override readonly name = 'ConfigError';
  readonly path: string;
  /** Every mistake found, this one first: `[this]` unless several were collected. */
  readonly problems: readonly ConfigError[];

  constructor(path: string, message: string, options?: { cause?: unknown; problems?: readonly ConfigError[] }) {
    super('CONFIG_INVALID', `${path}: ${message}`, options);
    this.path = path;
    this.problems = options?.problems ?? [this];
  }

  /** One error for the mistakes of a validation pass (which must not be empty). */
  static of(problems: readonly ConfigError[]): ConfigError {
    const [first, ...others] = problems;
    if (!first) throw new TypeError('ConfigError.of needs at least one problem');
    if (others.length === 0) return first;
    const detail = first.message.slice(first.path.length + 2);
    return new ConfigError(first.path, `${detail}; and ${others.length} more: ${others.map((e) => e.message).join('; ')}`, { problems });
  }
}

/**
 * " (did you mean `metadataUrl`?)" when `key` is close to one of `known`: a typo (edit distance
 * of 1, or 2 for longer names), another case, or a django-mellon spelling (`MELLON_METADATA_URL`,
 * `metadata_url`). Empty otherwise.
 */
export function didYouMean(key: string, known: Iterable<string>): string {
  const plain = (name: string) => name.toLowerCase().replace(/^mellon_/, '').replace(/[^a-z0-9]/g, '');
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = plain(name) === plain(key) ? 0 : editDistance(key.toLowerCase(), name.toLowerCase());
    if (distance <= (name.length > 8 ? 2 : 1) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best ? ` (did you mean ${best.name}?)` : '';
}

/** Levenshtein distance with adjacent transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) (rows[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] as number[];
    const above = rows[i - 1] as number[];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j] as number, ((rows[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}

/** A non-success SAML status from the peer (saml-core §3.2.2). */
export class StatusError extends MellonError {
  override readonly name = 'StatusError';
  /** Top-level code first, then nested sub-codes. */
  readonly statusCodes: readonly string[];
  readonly statusMessage: string | undefined;

  /** `detail` adds to the operator's detail (what we asked for, say). */
  constructor(statusCodes: readonly string[], statusMessage: string | undefined, detail?: Readonly<Record<string, string>>) {
    // For the operator's trace: the peer's codes and its StatusMessage (its text, bounded by readStatus).
    super('STATUS_NOT_SUCCESS', `peer answered status ${statusCodes.join(' / ')}`, {
      detail: { status: statusCodes[0] ?? '(none)', subStatus: statusCodes.slice(1).join(' ') || '(none)', statusMessage: statusMessage ?? '(none)', ...detail },
    });
    this.statusCodes = statusCodes;
    this.statusMessage = statusMessage;
  }
}

/** Shorthand used by checks: `fail('AUDIENCE_MISMATCH', 'expected ...')`. */
export function fail(code: MellonErrorCode, message: string, cause?: unknown): never {
  throw new MellonError(code, message, cause === undefined ? undefined : { cause });
}

/** `fail` with the operator's detail: `failWithDetail('AUDIENCE_MISMATCH', 'not ours', { expected, received })`. */
export function failWithDetail(code: MellonErrorCode, message: string, detail: Readonly<Record<string, string>>): never {
  throw new MellonError(code, message, { detail });
}
