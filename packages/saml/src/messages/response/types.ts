import type { KeyObject } from 'node:crypto';
import type { AlgorithmPolicy } from '../../constants/algorithms.js';
import type { Clock } from '../../time.js';
import type { ParseLimits } from '../../xml/parse.js';

/** One `<saml:Attribute>` as received, NameFormat and FriendlyName kept. */
export interface AttributeDetail {
  readonly name: string;
  readonly nameFormat?: string | undefined;
  readonly friendlyName?: string | undefined;
  readonly values: readonly string[];
}

/** What a verified SSO assertion says, read only from the element its signature covers. */
export interface Assertion {
  readonly id: string;
  readonly issuer: string;
  readonly issueInstant: Date;
  /**
   * The NameID's value, exactly as signed (never trimmed: two values that differ only in white
   * space are two identities). Undefined only when the assertion carries no NameID and
   * `subjectAttribute` identifies the user instead.
   */
  readonly nameId: string | undefined;
  readonly nameIdFormat?: string | undefined;
  readonly nameQualifier?: string | undefined;
  readonly spNameQualifier?: string | undefined;
  readonly sessionIndex?: string | undefined;
  readonly authnInstant: Date;
  readonly sessionNotOnOrAfter?: Date | undefined;
  readonly authnContextClassRef?: string | undefined;
  /** Values per attribute Name, in document order (null-prototype object). */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  readonly attributeDetails: readonly AttributeDetail[];
  /** The request this answers; undefined for an IdP-initiated (unsolicited) login. */
  readonly inResponseTo?: string | undefined;
  /** Conditions/@NotOnOrAfter, or the bearer confirmation's when Conditions has none. */
  readonly notOnOrAfter: Date;
  readonly audiences: readonly string[];
}

/** Remembers request IDs we sent, for InResponseTo (saml-profiles §4.1.4.3). */
export interface RequestIdStore {
  /** Removes `id` and answers whether it was outstanding (single use). */
  consume(id: string): Promise<boolean> | boolean;
}

/** Remembers assertion IDs until they expire (saml-profiles §4.1.4.5). */
export interface ReplayCache {
  /** Records `id` until `expiresAt` (ms); false when it was already recorded. Must be atomic. */
  markSeen(id: string, expiresAt: number): Promise<boolean> | boolean;
  /** When `id` was first recorded (epoch ms), if the cache knows: shown in a REPLAYED_ASSERTION trace. */
  firstSeen?(id: string): Promise<number | undefined> | number | undefined;
}

export interface ResponseValidationOptions {
  /** The IdP we expect the response from, chosen by our own state, never by the message. */
  readonly idp: {
    readonly entityId: string;
    /** Signing keys from its metadata (several during rollover). */
    readonly signingKeys: readonly KeyObject[];
  };
  readonly sp: {
    readonly entityId: string;
    /** The exact public URL of our ACS: Destination and Recipient must equal it. */
    readonly acsUrl: string;
    /** Our private keys for EncryptedAssertion / EncryptedID / EncryptedAttribute. */
    readonly decryptionKeys?: readonly KeyObject[] | undefined;
  };
  readonly replayCache: ReplayCache;
  /** Needed for SP-initiated logins; without it every InResponseTo is refused. */
  readonly requestIds?: RequestIdStore | undefined;
  /** Accept responses without InResponseTo (IdP-initiated). Default false. */
  readonly allowUnsolicited?: boolean | undefined;
  /**
   * Require the assertion's own signature. Default false: a verified Response signature covers
   * the assertion inside it, and only that covered element is read (as Shibboleth SP and
   * SimpleSAMLphp accept). An unsigned Response with an unsigned assertion is always refused.
   */
  readonly wantAssertionsSigned?: boolean | undefined;
  /** Require the Response's signature. Default false. */
  readonly wantResponseSigned?: boolean | undefined;
  readonly policy?: AlgorithmPolicy | undefined;
  readonly limits?: ParseLimits | undefined;
  readonly clock?: Clock | undefined;
  /** Tolerated clock difference in seconds. Default 180. */
  readonly clockSkew?: number | undefined;
  /**
   * The attribute (by Name) that identifies the user when the assertion carries no NameID, which
   * saml-core §2.4.1 allows (ADFS without a NameID claim rule sends none). Such an assertion is
   * accepted only when this attribute has exactly one non-empty value; without this option, or
   * without that value, it is refused with NAMEID_MISSING.
   */
  readonly subjectAttribute?: string | undefined;
}
