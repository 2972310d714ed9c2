import type { KeyObject } from 'node:crypto';
import type { AlgorithmPolicy } from '../constants/algorithms.js';
import { fail } from '../errors.js';
import type { ParsedXml } from '../xml/parse.js';
import { findSignature, verifyEnvelopedSignature } from '../xmldsig/verify.js';

/**
 * Verifies the signature of the document's root (EntitiesDescriptor or EntityDescriptor) with the
 * configured keys only, through the same engine and algorithm allow-list as messages. When keys
 * are configured the signature is mandatory: an unsigned copy is exactly what an attacker who
 * controls the transport would serve. Signatures on nested elements are neither required nor
 * read: the root's covers them (saml-metadata §3.1).
 */
export function verifyMetadataSignature(parsed: ParsedXml, keys: readonly KeyObject[], policy?: AlgorithmPolicy): void {
  const signature = findSignature(parsed.root);
  if (!signature) fail('SIGNATURE_MISSING', 'metadata is not signed but signing certificates are configured');
  verifyEnvelopedSignature(parsed.root, signature, { keys, ids: parsed.ids, policy });
}
