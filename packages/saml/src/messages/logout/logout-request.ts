import { fail } from '../../errors.js';
import { buildDocument, x } from '../../xml/build.js';
import { attribute, childrenNamed, elementChildren } from '../../xml/select.js';
import { exactText } from '../../xml/text.js';
import { formatInstant, parseInstant, systemClock, type Clock } from '../../time.js';
import { readSubjectId, type NameIdParts } from '../response/read-assertion.js';
import type { DecryptOptions } from '../../xmlenc/decrypt.js';
import { generateId, readMessageHeader, type MessageHeader } from '../common.js';

export interface LogoutRequestOptions {
  readonly issuer: string;
  readonly destination: string;
  readonly nameId: NameIdParts;
  readonly sessionIndexes?: readonly string[] | undefined;
  readonly reason?: string | undefined;
  /** Seconds the request stays valid. Default 300. */
  readonly lifetime?: number | undefined;
  readonly id?: string | undefined;
  readonly clock?: Clock | undefined;
}

/** Builds an `<samlp:LogoutRequest>` (saml-core §3.7.1), with NotOnOrAfter set. */
export function buildLogoutRequest(options: LogoutRequestOptions): { id: string; document: Document } {
  const id = options.id ?? generateId();
  const now = (options.clock ?? systemClock)();
  const document = buildDocument(
    x(
      'samlp:LogoutRequest',
      {
        ID: id,
        Version: '2.0',
        IssueInstant: formatInstant(now),
        Destination: options.destination,
        NotOnOrAfter: formatInstant(now + (options.lifetime ?? 300) * 1000),
        Reason: options.reason,
      },
      x('saml:Issuer', {}, options.issuer),
      x(
        'saml:NameID',
        { Format: options.nameId.format, NameQualifier: options.nameId.nameQualifier, SPNameQualifier: options.nameId.spNameQualifier },
        options.nameId.value,
      ),
      (options.sessionIndexes ?? []).map((index) => x('samlp:SessionIndex', {}, index)),
    ),
  );
  return { id, document };
}

export interface LogoutRequest extends MessageHeader {
  readonly nameId: NameIdParts;
  readonly sessionIndexes: readonly string[];
  readonly notOnOrAfter?: Date | undefined;
  readonly reason?: string | undefined;
}

/**
 * Reads an `<samlp:LogoutRequest>`. The caller verifies its signature (enveloped for POST and
 * SOAP, detached for Redirect), Issuer, Destination and NotOnOrAfter before acting on it.
 */
export function parseLogoutRequest(root: Element, decrypt: DecryptOptions): LogoutRequest {
  const header = readMessageHeader(root, 'LogoutRequest');
  for (const child of elementChildren(root)) {
    if (!['Issuer', 'Signature', 'Extensions', 'BaseID', 'NameID', 'EncryptedID', 'SessionIndex'].includes(child.localName ?? '')) {
      fail('XML_UNEXPECTED_CONTENT', `unexpected <${child.localName}> in LogoutRequest`);
    }
  }
  const nameId = readSubjectId(root, decrypt);
  if (!nameId) fail('MESSAGE_INVALID', 'LogoutRequest without NameID');
  const notOnOrAfter = attribute(root, 'NotOnOrAfter');
  return {
    ...header,
    nameId,
    sessionIndexes: childrenNamed(root, 'samlp', 'SessionIndex').map(exactText),
    notOnOrAfter: notOnOrAfter === undefined ? undefined : new Date(parseInstant(notOnOrAfter, 'NotOnOrAfter')),
    reason: attribute(root, 'Reason'),
  };
}
