import { IDP_ENTITY_ID, SP_ENTITY_ID, ACS_URL } from '../../test/helpers/response-fixture.js';
import { testKeyPair, type TestKeyPair } from '../../test/helpers/keys.js';
import type { Variant } from './variants.js';

/** One SAML consumer under test: validates a posted `SAMLResponse` and returns its NameID. */
export interface Contender {
  readonly name: string;
  validate(samlResponse: string): Promise<string>;
}

/** What every contender is configured from: the same IdP, SP, keys and frozen time. */
export interface BenchContext {
  readonly variant: Variant;
  /** The fixtures' IssueInstant: clocks that can be frozen are frozen here. */
  readonly now: number;
  readonly idp: TestKeyPair;
  readonly sp: TestKeyPair;
  readonly idpEntityId: string;
  readonly spEntityId: string;
  readonly acsUrl: string;
}

export function benchContext(variant: Variant, now: number): BenchContext {
  return { variant, now, idp: testKeyPair('idp'), sp: testKeyPair('sp'), idpEntityId: IDP_ENTITY_ID, spEntityId: SP_ENTITY_ID, acsUrl: ACS_URL };
}

/** Our parse limit for the size sweep (the 5,000-attribute Response is ~0.9 MB). */
export const BENCH_MAX_BYTES = 8 * 1024 * 1024;

/** Tolerance for libraries whose clock cannot be frozen: long enough that time never fails a run. */
export const BENCH_CLOCK_SKEW_MS = 24 * 3600_000;
