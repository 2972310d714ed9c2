import { ATTRNAME_FORMAT, AUTHN_CONTEXT, NAMEID_FORMAT } from '@koa-mellon/saml';
import { ACS_URL, IDP_ENTITY_ID, REQUEST_ID, SP_ENTITY_ID } from '../../test/helpers/response-fixture.js';
import { testKeyPair, type TestKeyPair } from '../../test/helpers/keys.js';

/**
 * The one logical Response every IdP contender builds: same parties, same user, same request
 * answered, same statements. Times are fixed offsets from one frozen instant, `now`.
 */
export interface IdpScenario {
  readonly now: number;
  readonly idp: TestKeyPair;
  /** The SP: its certificate encrypts, its key (the validating side only) decrypts. */
  readonly sp: TestKeyPair;
  readonly idpEntityId: string;
  readonly spEntityId: string;
  readonly acsUrl: string;
  readonly requestId: string;
  readonly nameId: { readonly value: string; readonly format: string };
  readonly authnInstant: number;
  readonly sessionIndex: string;
  readonly sessionNotOnOrAfter: number;
  readonly authnContextClassRef: string;
  /** Seconds the assertion stays usable; Conditions/@NotBefore lies `notBeforeSkew` seconds back. */
  readonly lifetime: number;
  readonly notBeforeSkew: number;
  /** Single-valued, NameFormat basic, xs:string: what samlify's attribute template can express. */
  readonly attributes: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  readonly attributeNameFormat: string;
}

/** `at` is rounded down to the second, so that instants read back equal whatever precision is written. */
export function idpScenario(at: number): IdpScenario {
  const now = Math.floor(at / 1000) * 1000;
  return {
    now,
    idp: testKeyPair('idp'),
    sp: testKeyPair('sp'),
    idpEntityId: IDP_ENTITY_ID,
    spEntityId: SP_ENTITY_ID,
    acsUrl: ACS_URL,
    requestId: REQUEST_ID,
    nameId: { value: 'alice-1234', format: NAMEID_FORMAT.persistent },
    authnInstant: now - 60_000,
    sessionIndex: '_session42',
    sessionNotOnOrAfter: now + 8 * 3600_000,
    authnContextClassRef: AUTHN_CONTEXT.passwordProtectedTransport,
    lifetime: 300,
    notBeforeSkew: 30,
    attributes: [
      { name: 'mail', value: 'alice@example.test' },
      { name: 'givenName', value: 'Alice' },
      { name: 'sn', value: 'Liddell' },
      { name: 'eduPersonPrincipalName', value: 'alice@example.test' },
    ],
    attributeNameFormat: ATTRNAME_FORMAT.basic,
  };
}

/** One IdP under test: builds the scenario's Response and returns it as posted (`SAMLResponse`, base64). */
export interface Builder {
  readonly name: string;
  build(): Promise<string>;
}

/** One way of securing the Response, and how long the bench may spend timing it. */
export interface IdpVariant {
  readonly key: string;
  readonly label: string;
  readonly signResponse: boolean;
  /** Encrypt the (signed) assertion to the SP: aes256-gcm + rsa-oaep-mgf1p. */
  readonly encrypt: boolean;
  readonly budgetMs: number;
  readonly minIterations: number;
  readonly warmupIterations: number;
  readonly warmupMs: number;
}

// Two contenders at a few ms per Response: ~5 s of timing per variant, ~20 s for the run.
const TIMING = { budgetMs: 5_000, minIterations: 20, warmupIterations: 20, warmupMs: 1_000 } as const;

export const IDP_VARIANTS: readonly IdpVariant[] = [
  { key: 'a', label: 'a: assertion signed', signResponse: false, encrypt: false, ...TIMING },
  { key: 'b', label: 'b: assertion signed + encrypted', signResponse: false, encrypt: true, ...TIMING },
  { key: 'c', label: 'c: response + assertion signed', signResponse: true, encrypt: false, ...TIMING },
];
