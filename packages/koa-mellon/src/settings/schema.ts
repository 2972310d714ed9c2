/**
 * The one settings schema: each key's kind, default, django-mellon name, whether an
 * `identityProviders` entry may override it, and its documentation. `docs/settings.md` is
 * generated from this table (a test fails when they drift) and `validate.ts` checks against it.
 */
export type SettingKind =
  | 'url'
  | 'string'
  | 'boolean'
  | 'seconds'
  | 'bytes'
  | 'strings'
  | 'attributeNames'
  | 'pem'
  | 'pems'
  | 'privateKeys'
  | 'templateRecord'
  | 'stringsRecord'
  | 'binding'
  | 'bindings'
  | 'lookupRules'
  | 'adapters'
  | 'object'
  | 'stateStore'
  | 'pages'
  | 'identityProviders';

export interface SettingSpec {
  readonly kind: SettingKind;
  /** The default, as documented; `undefined` means unset. */
  readonly default?: unknown;
  /** The django-mellon setting it mirrors, without the `MELLON_` prefix; none for our additions. */
  readonly mellon?: string;
  /** May an `identityProviders` entry override it? */
  readonly perIdp: boolean;
  readonly doc: string;
  /** A security note for docs/settings.md and docs/security.md. */
  readonly security?: string;
  readonly required?: boolean;
}

const generic = (kind: SettingKind, mellon: string | undefined, defaultValue: unknown, doc: string, security?: string): SettingSpec => ({
  kind,
  ...(mellon === undefined ? {} : { mellon }),
  default: defaultValue,
  perIdp: true,
  doc,
  ...(security === undefined ? {} : { security }),
});

export const SETTINGS_SCHEMA = {
  // Where the router lives and what it keeps: global only.
  baseUrl: { kind: 'url', perIdp: false, required: true, doc: 'Absolute public URL where the router is mounted, e.g. `https://app.example.com/accounts/mellon`. Login, logout and metadata URLs, Destination and Recipient checks derive from it.' },
  entityId: { kind: 'url', perIdp: false, doc: 'Our SP entityID. Default: `{baseUrl}/metadata/`.' },
  identityProviders: { kind: 'identityProviders', mellon: 'IDENTITY_PROVIDERS', perIdp: false, required: true, doc: 'The IdPs: each entry has `metadata` (inline XML), `metadataPath` or `metadataUrl`, optionally `entityId` (pins the entity in an aggregate) and `metadataSigningCertificates`, plus any per-IdP override below.' },
  store: { kind: 'stateStore', perIdp: false, doc: 'The state store (sessions, pending requests, replay cache; users too unless `userStore` is set): `createMemoryStore()`, `await createRedisStore(url)` or `await createPostgresStore(url)`. Default: in memory, bounded, for one process (docs/state.md).' },
  userStore: { kind: 'object', perIdp: false, doc: 'A `UserStore` (your ORM, or `createPostgresUserStore`). Default: users kept in `store` (in memory: for the life of the process).' },
  logger: { kind: 'object', perIdp: false, doc: 'A pino-compatible logger (`info`, `warn`, `error`, `debug`). Default: warnings and errors as pino-compatible JSON lines on stderr.' },
  debug: { kind: 'boolean', default: false, perIdp: false, doc: 'Log decoded SAML messages at debug level, secrets redacted.' },
  traces: { kind: 'boolean', default: true, perIdp: false, doc: 'Keep a trace of every login and logout in `store` (namespace `sp-traces`; with the default in-memory store, a separate memory store of at most 10,000 traces): its steps, the refusal with expected vs received values, the decoded messages redacted. Its reference is shown on the error page and tags every log line of the flow; read it with `koa-mellon trace <reference>` or `createTraceAdmin` (docs/troubleshooting.md). When false, the reference still tags pages and logs, nothing is stored.' },
  traceTtl: { kind: 'seconds', default: 7 * 24 * 3600, perIdp: false, doc: 'How long a trace is kept.' },
  traceRedaction: { kind: 'string', default: 'personal', perIdp: false, doc: 'What traces blank in stored SAML messages: `personal` (NameID, attribute values, subject address, and secrets) or `secrets` (signature and digest values, ciphertext, certificates, artifacts only: for debugging an attribute mapping, then switch back). Secrets, cookies, keys and tokens are never stored.', security: '`secrets` stores personal data (NameIDs and attribute values) for `traceTtl`.' },
  pages: { kind: 'pages', perIdp: false, doc: 'The pages a person sees (error page, IdP chooser, the organizations’ e-mail form and chooser): `{ appName, accentColor, render }`. `appName` heads the built-in pages; `accentColor` (`#rrggbb`, at least 4.5:1 against white) colours their buttons, links and focus ring (default `#0b3d91`); `render(page, ctx)` returns your own HTML for a page (typed by `page.kind`) or `undefined` for the built-in one (docs/pages.md).' },
  loginRedirectUrl: { kind: 'string', default: '/', perIdp: false, doc: 'Where to go after login when no `next` was given (Django’s `LOGIN_REDIRECT_URL`).' },
  sessionCookie: { kind: 'object', default: { name: 'mellon.sid', sameSite: 'lax', maxAge: 8 * 3600 }, perIdp: false, doc: 'Session cookie options: `name`, `sameSite` (`lax`), `secure` (default: true when baseUrl is https), `domain`, `maxAge` seconds (capped at SessionNotOnOrAfter). The cookie is signed with `app.keys`.' },
  metadataCacheDir: { kind: 'string', perIdp: false, doc: 'Disk cache for `metadataUrl` copies. Default: `.cache/koa-mellon/metadata` under the working directory.' },
  discoveryServiceUrl: { kind: 'url', mellon: 'DISCOVERY_SERVICE_URL', perIdp: false, doc: 'With several IdPs and no `entityID` chosen, send the user to this discovery service instead of our own IdP list.' },
  organization: { kind: 'object', mellon: 'ORGANIZATION', perIdp: false, doc: '`{ names, displayNames, urls }` published in SP metadata.' },
  contactPersons: { kind: 'object', mellon: 'CONTACT_PERSONS', default: [], perIdp: false, doc: 'Contacts published in SP metadata.' },
  soapLogout: { kind: 'boolean', default: false, perIdp: false, doc: 'Also take IdP LogoutRequests over the SOAP back-channel at `logout/` (signed both ways), and publish that SingleLogoutService in SP metadata. For IdPs that log SPs out without the browser.' },
  hooks: { kind: 'object', perIdp: false, doc: '`{ login, federatedLogout }`: `login(ctx, { user, saml, next })` runs after the adapter chain picked the user and may answer itself (return true: no server session; the JWT bridge issues tokens); `federatedLogout({ issuer, nameId, sessionIndexes })` runs after an IdP LogoutRequest (Redirect, POST or SOAP) ended the local sessions (the JWT bridge revokes token families). See docs/jwt.md.' },
  maxMessageBytes: { kind: 'bytes', default: 256 * 1024, perIdp: false, doc: 'Largest SAML message accepted, checked before decoding.', security: 'Bounds CPU and memory spent on unauthenticated input.' },
  bodyTimeout: { kind: 'seconds', default: 10, perIdp: false, doc: 'Deadline for receiving a POST body at login/ and logout/ (the ACS, front-channel and SOAP logout). A body still arriving then is refused with `REQUEST_TIMEOUT` (408) and the connection closed. Set the server timeouts too (docs/deployment.md).', security: 'A client trickling its body cannot hold a connection for minutes (Node alone allows 300 s).' },

  // Keys and requests.
  publicKeys: generic('pems', 'PUBLIC_KEYS', [], 'SP certificates (PEM text, or a path to a PEM file) published in metadata for signing and encryption; several during rollover.'),
  privateKey: generic('pem', 'PRIVATE_KEY', undefined, 'SP private key (PEM text or path). Signs requests and decrypts assertions.'),
  privateKeyPassword: generic('string', 'PRIVATE_KEY_PASSWORD', undefined, 'Passphrase of `privateKey`.'),
  privateKeys: generic('privateKeys', 'PRIVATE_KEYS', [], 'More private keys (PEM, or `[pem, password]`): the first signs when `privateKey` is unset, all decrypt (rollover).'),
  nameIdFormats: generic('strings', 'NAME_ID_FORMATS', [], 'NameID formats advertised in SP metadata.'),
  nameIdPolicyFormat: generic('string', 'NAME_ID_POLICY_FORMAT', undefined, 'NameIDPolicy Format asked for in AuthnRequests.'),
  nameIdPolicyAllowCreate: generic('boolean', 'NAME_ID_POLICY_ALLOW_CREATE', true, 'NameIDPolicy AllowCreate.'),
  forceAuthn: generic('boolean', 'FORCE_AUTHN', false, 'Ask the IdP to re-authenticate the user (also per request with `?forceAuthn=1`).'),
  signatureMethod: generic('string', 'SIGNATURE_METHOD', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'Signature algorithm URI for what we sign (ECDSA keys sign with ecdsa-sha256).'),
  requestsSigned: generic('boolean', undefined, true, 'Sign AuthnRequests and logout messages when a private key is set.'),
  defaultAssertionConsumerBinding: generic('binding', 'DEFAULT_ASSERTION_CONSUMER_BINDING', 'post', 'Which ACS binding (`post` or `artifact`) we ask for and mark default in metadata.'),
  assertionConsumerBindings: generic('bindings', 'ASSERTION_CONSUMER_BINDINGS', ['post', 'artifact'], 'ACS bindings we accept and publish.'),
  artifactResolveTimeout: generic('seconds', 'ARTIFACT_RESOLVE_TIMEOUT', 10, 'Timeout of the SOAP ArtifactResolve call.'),

  // Metadata.
  metadataCacheTime: generic('seconds', 'METADATA_CACHE_TIME', 3600, 'Refresh period of `metadataUrl` copies (in the background).'),
  metadataHttpTimeout: generic('seconds', 'METADATA_HTTP_TIMEOUT', 10, 'Timeout of a metadata download.'),
  metadataUrlGuard: generic('boolean', undefined, false, 'SSRF guard for `metadataUrl`: https only, and never fetched from loopback, private (RFC 1918, fc00::/7), link-local, unspecified, CGNAT or cloud metadata addresses (IPv4-mapped IPv6 of those too), judged on the resolved address that is then connected to, at every redirect and refresh; 1 MiB size limit unless set. Refusals are `METADATA_URL_FORBIDDEN` (docs/metadata.md#the-ssrf-guard). Turn on for URLs an administrator types at run time.', 'A metadata URL from an untrusted source can otherwise make the server fetch internal addresses (SSRF).'),
  metadataUrlAllowList: generic('strings', undefined, [], 'Deliberate exceptions to `metadataUrlGuard`: host names (exact) and CIDRs or addresses (`10.1.2.0/24`, `::1`) that may be fetched although internal.'),
  verifySslCertificate: generic('boolean', 'VERIFY_SSL_CERTIFICATE', true, 'Verify TLS certificates for metadata downloads and artifact resolution.', 'Turn off only for a test IdP.'),

  // Users and adapters.
  adapters: generic('adapters', 'ADAPTER', undefined, 'Adapter classes or instances, in order. Default: `[DefaultAdapter]`. An IdP’s own list is put before the global one, as in django-mellon.'),
  realm: generic('string', 'REALM', 'saml', 'The `{realm}` of the username template.'),
  provision: generic('boolean', 'PROVISION', true, 'Create users on first login.'),
  usernameTemplate: generic('string', 'USERNAME_TEMPLATE', '{attributes[name_id_content]}@{realm}', 'Python `str.format` template for new usernames (parsed, never evaluated).'),
  attributeMapping: generic('templateRecord', 'ATTRIBUTE_MAPPING', {}, 'User field → template (or list of templates tried in order), e.g. `{ email: "{attributes[mail][0]}" }`. With `attributeMappingDefaults`, a field given here replaces the built-in table’s row for that field.'),
  attributeMappingDefaults: generic('boolean', undefined, true, 'Fill `email`, `firstName`, `lastName`, `displayName` and `preferredUsername` from the claims Entra ID, AD FS, Okta, Google Workspace, Auth0, Keycloak, OneLogin and LDAP / eduPerson IdPs send them under (docs/adapters.md#attribute-mapping-defaults), for fields `attributeMapping` does not name. The first claim present in the table’s order fills the field with its first value. On by default because that is what an SP is expected to do with a customer’s IdP out of the box (django-allauth’s SAML provider always does): these are profile fields, they key no account (the NameID does) and grant nothing; groups are never taken from the table. `false` keeps exactly `attributeMapping` (django-mellon’s behaviour).'),
  useNameIdForEmail: generic('boolean', undefined, false, 'When the NameID’s format is `emailAddress` and no `email` template could be filled (no e-mail attribute came), the NameID fills the `email` field (Google Workspace sends the address only as the NameID).'),
  superuserMapping: generic('stringsRecord', 'SUPERUSER_MAPPING', {}, 'SAML attribute → values that make the user superuser and staff.'),
  authnClassRef: generic('strings', 'AUTHN_CLASSREF', [], 'AuthnContextClassRefs requested and required; empty accepts any.'),
  groupAttribute: generic('attributeNames', 'GROUP_ATTRIBUTE', undefined, 'SAML attribute whose values are the user’s groups; or a list of attribute names, of which the first present is used (`DEFAULT_GROUP_ATTRIBUTES`: the common group claims, docs/adapters.md#attribute-mapping-defaults).'),
  createGroup: generic('boolean', 'CREATE_GROUP', true, 'Create groups named by `groupAttribute` that do not exist.'),
  transientFederationAttribute: generic('string', 'TRANSIENT_FEDERATION_ATTRIBUTE', undefined, 'The attribute that identifies the user when the NameID is transient, or absent (ADFS without a NameID claim rule). Without it, such logins are refused (UID_MISSING; NAMEID_MISSING when there is no NameID at all).'),
  lookupByAttributes: generic('lookupRules', 'LOOKUP_BY_ATTRIBUTES', [], 'Link existing users: `[{ userField, samlAttribute, ignoreCase }]`, OR across rules; more than one match refuses.'),

  // Errors.
  errorUrl: generic('string', 'ERROR_URL', undefined, 'The "continue" link of error pages (else RelayState’s next, else `/`).'),
  errorRedirectAfterTimeout: generic('seconds', 'ERROR_REDIRECT_AFTER_TIMEOUT', 120, 'Seconds before the error page follows its continue link.'),

  // Security settings django-mellon lacks.
  clockSkew: generic('seconds', undefined, 180, 'Tolerated clock difference with the IdP.', 'Keep small; it extends every validity window both ways.'),
  allowIdpInitiated: generic('boolean', undefined, false, 'Accept unsolicited (IdP-initiated) responses.', 'Off by default: enables login CSRF unless the IdP portal is trusted. Replays stay refused.'),
  wantAssertionsSigned: generic('boolean', undefined, false, 'Require the assertion’s own signature. By default a signed Response covering the assertion suffices (Google, OneLogin, PingFederate and some Okta apps sign only the Response); an unsigned Response with an unsigned assertion is always refused.', 'Only the element a verified signature covers is read, so a Response signature protects the assertion inside it; turn on to insist on both.'),
  wantResponseSigned: generic('boolean', undefined, false, 'Require the Response signature too.'),
  allowSha1: generic('boolean', undefined, false, 'Accept SHA-1 signatures and digests.', 'Warns at start-up; for legacy IdPs only.'),
  allowRsa15KeyTransport: generic('boolean', undefined, false, 'Accept rsa-1_5 key transport in encrypted assertions.', 'Warns at start-up; Bleichenbacher-prone.'),
  signatureAlgorithms: generic('strings', undefined, undefined, 'Narrow the accepted signature algorithms (URIs).'),
  encryptionAlgorithms: generic('strings', undefined, undefined, 'Narrow the accepted block ciphers (URIs), e.g. GCM only.'),
} as const satisfies Record<string, SettingSpec>;

export type SettingKey = keyof typeof SETTINGS_SCHEMA;

/** Keys an IdP entry may carry besides the per-IdP overrides. */
export const IDP_ONLY_SETTINGS = {
  metadata: { kind: 'string', mellon: 'METADATA', doc: 'Inline metadata XML.' },
  metadataPath: { kind: 'string', mellon: 'METADATA_PATH', doc: 'Metadata file, reloaded when its mtime changes.' },
  metadataUrl: { kind: 'url', mellon: 'METADATA_URL', doc: 'Metadata URL, cached on disk and refreshed in the background.' },
  entityId: { kind: 'string', mellon: 'ENTITY_ID', doc: 'The IdP’s entityID: required with an aggregate, and pinned otherwise.' },
  metadataSigningCertificates: { kind: 'pems', doc: 'Certificates that must have signed the metadata.' },
  ssoUrl: { kind: 'url', doc: 'The IdP given by parts instead of metadata: its SingleSignOnService URL (HTTP-Redirect and HTTP-POST). Requires `entityId` and `certificates`; no metadata source then.' },
  sloUrl: { kind: 'url', doc: 'With `ssoUrl`: the IdP’s SingleLogoutService URL (HTTP-Redirect and HTTP-POST). Without it, logout is local only.' },
  certificates: { kind: 'pems', doc: 'With `ssoUrl`: the IdP’s signing certificates (PEM text or paths); list the next one beside the current one during a rollover, and either verifies.' },
} as const;

export type IdpOnlyKey = keyof typeof IDP_ONLY_SETTINGS;
