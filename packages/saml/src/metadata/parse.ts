import type { KeyObject } from 'node:crypto';
import type { AlgorithmPolicy } from '../constants/algorithms.js';
import { MellonError, fail } from '../errors.js';
import { loadPublicKey, type PublicKeyInput } from '../keys/load.js';
import { systemClock, type Clock } from '../time.js';
import { DEFAULT_MAX_DEPTH, parseXml } from '../xml/parse.js';
import { attribute, isElement } from '../xml/select.js';
import { indexEntities } from './read-entities.js';
import type { ParsedMetadata } from './types.js';
import { readCacheDuration, readValidUntil } from './values.js';
import { verifyMetadataSignature } from './verify.js';

/** Metadata is far larger than messages: a national federation aggregate runs to tens of MB. */
export const DEFAULT_METADATA_MAX_BYTES = 50 * 1024 * 1024;

export interface ParseMetadataOptions {
  /**
   * Certificates (or public keys) the metadata must be signed with. When set, the root element's
   * signature is required and verified; when absent, signatures are not looked at and
   * `signed` is false.
   */
  readonly signingCertificates?: readonly PublicKeyInput[] | undefined;
  /** Algorithm allow-list for that signature (default: SHA-2 RSA and ECDSA only). */
  readonly policy?: AlgorithmPolicy | undefined;
  /** The entityID the document must contain; a document without it is refused (ENTITY_NOT_FOUND). */
  readonly expectedEntityId?: string | undefined;
  /** The time validUntil is checked against. Default: the system clock. */
  readonly clock?: Clock | undefined;
  /** Largest accepted document in bytes. Default 50 MiB. */
  readonly maxBytes?: number | undefined;
  /** Deepest accepted nesting. Default 64. */
  readonly maxDepth?: number | undefined;
}

/**
 * Parses, verifies and indexes a SAML 2.0 metadata document: one EntityDescriptor or an
 * EntitiesDescriptor aggregate (nested ones included). In order: hardened parse, root signature
 * (when certificates are configured), then reading, so nothing unverified is read.
 *
 * Refusals: XML_* codes from the parser, METADATA_INVALID (not metadata, malformed values),
 * KEY_INVALID (a certificate that does not load), SIGNATURE_* codes,
 * METADATA_EXPIRED (the root, or every entity, past validUntil; one expired entity of an aggregate
 * is refused later by `getEntity`), ENTITY_NOT_FOUND (`expectedEntityId` absent).
 *
 * One entity of several that does not conform, or whose entityID is listed twice, is left out and
 * listed in `skipped` while the others load; a document with nothing left is refused with the
 * first fault's code (a single-entity document therefore fails as a whole, as before).
 *
 * @example
 * const metadata = parseMetadata(xml, { signingCertificates: [federationCertPem] });
 * const idp = getIdpDescriptor(getEntity(metadata, 'https://idp.example.org/idp/shibboleth'));
 */
export function parseMetadata(xml: string, options: ParseMetadataOptions = {}): ParsedMetadata {
  const keys = options.signingCertificates?.map((input) => loadPublicKey(input).key);
  try {
    return parseAndIndex(xml, options, keys);
  } catch (err) {
    throw asMetadataError(err);
  }
}

/** An HTML page where metadata was expected (a login page, a portal, the wrong URL): said plainly. */
const HTML_PAGE = /^\s*(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html)[\s>]/i;

function parseAndIndex(xml: string, options: ParseMetadataOptions, keys: KeyObject[] | undefined): ParsedMetadata {
  if (HTML_PAGE.test(xml.slice(0, 4096).replace(/^\ufeff/, ''))) fail('METADATA_INVALID', 'this is an HTML page, not SAML metadata: check the URL or file (a login page or a portal answered)');
  // Some servers (ADFS among them) prefix the document with a UTF-8 byte order mark.
  const parsed = parseXml(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml, {
    maxBytes: options.maxBytes ?? DEFAULT_METADATA_MAX_BYTES,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
  });
  const root = parsed.root;
  const aggregate = isElement(root, 'md', 'EntitiesDescriptor');
  if (!aggregate && !isElement(root, 'md', 'EntityDescriptor')) {
    fail('METADATA_INVALID', 'root is neither md:EntityDescriptor nor md:EntitiesDescriptor');
  }
  if (keys) verifyMetadataSignature(parsed, keys, options.policy);

  const now = (options.clock ?? systemClock)();
  const validUntil = readValidUntil(root);
  if (validUntil && now >= validUntil.getTime()) fail('METADATA_EXPIRED', 'metadata is past its validUntil');
  const cacheDurationMs = readCacheDuration(root);
  const { entities, skipped } = indexEntities(root);
  if (![...entities.values()].some((entity) => !entity.validUntil || now < entity.validUntil.getTime())) {
    fail('METADATA_EXPIRED', 'every entity of the metadata is past its validUntil');
  }
  if (options.expectedEntityId !== undefined && !entities.has(options.expectedEntityId)) {
    // The entity we need is there but was skipped: its own fault says more than "not found".
    const fault = skipped.find((entity) => entity.entityId === options.expectedEntityId);
    if (fault) fail(fault.code, `the expected entity does not conform: ${fault.reason}`);
    fail('ENTITY_NOT_FOUND', 'metadata does not describe the expected entityID');
  }
  const name = aggregate ? attribute(root, 'Name') : undefined;
  return {
    entities,
    ...(validUntil ? { validUntil } : {}),
    ...(cacheDurationMs === undefined ? {} : { cacheDurationMs }),
    ...(name ? { name } : {}),
    signed: keys !== undefined,
    skipped,
  };
}

/**
 * Malformed metadata is METADATA_INVALID; codes more specific than that (XML_DOCTYPE_FORBIDDEN,
 * SIGNATURE_INVALID, KEY_INVALID...) are kept as they are.
 */
function asMetadataError(err: unknown): MellonError {
  if (err instanceof MellonError) {
    if (err.code !== 'MESSAGE_INVALID' && err.code !== 'MESSAGE_TYPE_UNEXPECTED') return err;
    return new MellonError('METADATA_INVALID', err.message, { cause: err });
  }
  return new MellonError('METADATA_INVALID', 'metadata could not be read', { cause: err });
}
