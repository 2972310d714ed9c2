import { fail } from '../../errors.js';
import { buildDocument, x } from '../../xml/build.js';
import { elementChildren } from '../../xml/select.js';
import { formatInstant, systemClock, type Clock } from '../../time.js';
import { buildStatus, generateId, readMessageHeader, readResponseStatus, type MessageHeader, type StatusInput } from '../common.js';

export interface LogoutResponseOptions {
  readonly issuer: string;
  /** Required by the front-channel bindings (signed messages); optional over SOAP. */
  readonly destination?: string | undefined;
  readonly inResponseTo: string;
  readonly status?: StatusInput | undefined;
  readonly id?: string | undefined;
  readonly clock?: Clock | undefined;
}

/** Builds an `<samlp:LogoutResponse>` (saml-core §3.7.2). */
export function buildLogoutResponse(options: LogoutResponseOptions): { id: string; document: Document } {
  const id = options.id ?? generateId();
  const document = buildDocument(
    x(
      'samlp:LogoutResponse',
      { ID: id, Version: '2.0', IssueInstant: formatInstant((options.clock ?? systemClock)()), Destination: options.destination, InResponseTo: options.inResponseTo },
      x('saml:Issuer', {}, options.issuer),
      buildStatus(options.status),
    ),
  );
  return { id, document };
}

export interface LogoutResponse extends MessageHeader {
  readonly statusCodes: readonly string[];
  readonly statusMessage?: string | undefined;
  readonly success: boolean;
}

/** Reads an `<samlp:LogoutResponse>`; the caller verifies signature, Issuer and InResponseTo. */
export function parseLogoutResponse(root: Element): LogoutResponse {
  const header = readMessageHeader(root, 'LogoutResponse');
  for (const child of elementChildren(root)) {
    if (!['Issuer', 'Signature', 'Extensions', 'Status'].includes(child.localName ?? '')) {
      fail('XML_UNEXPECTED_CONTENT', `unexpected <${child.localName}> in LogoutResponse`);
    }
  }
  const status = readResponseStatus(root);
  return { ...header, statusCodes: status.codes, statusMessage: status.message, success: status.success };
}
