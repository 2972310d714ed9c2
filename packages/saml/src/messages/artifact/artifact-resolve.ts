import { fail } from '../../errors.js';
import { buildDocument, x } from '../../xml/build.js';
import { elementChildren, isElement, requiredChild } from '../../xml/select.js';
import { requiredText } from '../../xml/text.js';
import { formatInstant, systemClock, type Clock } from '../../time.js';
import { buildStatus, generateId, readMessageHeader, readResponseStatus, type MessageHeader, type StatusInput } from '../common.js';

/** Builds `<samlp:ArtifactResolve>` (saml-core §3.5.1), to be signed and sent over SOAP. */
export function buildArtifactResolve(options: { issuer: string; destination: string; artifact: string; id?: string | undefined; clock?: Clock | undefined }): { id: string; document: Document } {
  const id = options.id ?? generateId();
  const document = buildDocument(
    x(
      'samlp:ArtifactResolve',
      { ID: id, Version: '2.0', IssueInstant: formatInstant((options.clock ?? systemClock)()), Destination: options.destination },
      x('saml:Issuer', {}, options.issuer),
      x('samlp:Artifact', {}, options.artifact),
    ),
  );
  return { id, document };
}

export interface ArtifactResolve extends MessageHeader {
  readonly artifact: string;
}

export function parseArtifactResolve(root: Element): ArtifactResolve {
  const header = readMessageHeader(root, 'ArtifactResolve');
  return { ...header, artifact: requiredText(requiredChild(root, 'samlp', 'Artifact')) };
}

/**
 * Builds `<samlp:ArtifactResponse>` (saml-core §3.5.2) around the message the artifact stood for: an
 * element built (and signed) in its own document, imported as is.
 */
export function buildArtifactResponse(options: { issuer: string; inResponseTo: string; message?: Element | undefined; status?: StatusInput | undefined; id?: string | undefined; clock?: Clock | undefined }): { id: string; document: Document } {
  const id = options.id ?? generateId();
  const document = buildDocument(
    x(
      'samlp:ArtifactResponse',
      { ID: id, Version: '2.0', IssueInstant: formatInstant((options.clock ?? systemClock)()), InResponseTo: options.inResponseTo },
      x('saml:Issuer', {}, options.issuer),
      buildStatus(options.status),
    ),
  );
  if (options.message) document.documentElement.appendChild(document.importNode(options.message, true));
  return { id, document };
}

export interface ArtifactResponse extends MessageHeader {
  readonly success: boolean;
  readonly statusCodes: readonly string[];
  /** The resolved protocol message (a Response, LogoutRequest...), in the same document. */
  readonly message?: Element | undefined;
}

export function parseArtifactResponse(root: Element): ArtifactResponse {
  const header = readMessageHeader(root, 'ArtifactResponse');
  const status = readResponseStatus(root);
  const rest = elementChildren(root).filter(
    (child) => !isElement(child, 'saml', 'Issuer') && !isElement(child, 'ds', 'Signature') && !isElement(child, 'samlp', 'Extensions') && !isElement(child, 'samlp', 'Status'),
  );
  if (rest.length > 1) fail('XML_UNEXPECTED_CONTENT', 'ArtifactResponse holds more than one message');
  return { ...header, success: status.success, statusCodes: status.codes, message: rest[0] };
}
