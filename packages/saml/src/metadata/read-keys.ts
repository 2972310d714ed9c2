import type { KeyObject } from 'node:crypto';
import { fail } from '../errors.js';
import { loadPublicKey, type TrustedKey } from '../keys/load.js';
import { attribute, childrenNamed, requiredChild } from '../xml/select.js';
import { textOf } from '../xml/text.js';
import type { KeyUse, MetadataKey } from './types.js';

/** Loads a `<ds:X509Certificate>` value; one per parse, so that a repeated certificate loads once. */
export type KeyLoader = (base64: string) => TrustedKey;

/**
 * A loader that remembers what it loaded: a certificate listed for signing and again for
 * encryption (most deployments use one) costs one X.509 parse, the bulk of reading an aggregate.
 */
export function createKeyLoader(): KeyLoader {
  const loaded = new Map<string, TrustedKey>();
  return (base64) => {
    const compact = base64.replace(/\s+/g, '');
    let key = loaded.get(compact);
    if (!key) {
      key = loadPublicKey(compact);
      loaded.set(compact, key);
    }
    return key;
  };
}

/**
 * Reads every `<md:KeyDescriptor>` of a role (saml-metadata §2.4.1.1) and loads each certificate
 * once, here, into a KeyObject: nothing is parsed again per message. Several keys of one use are
 * all kept, which is how a peer rolls its keys over.
 */
export function readKeyDescriptors(role: Element, loadKey: KeyLoader): MetadataKey[] {
  const keys: MetadataKey[] = [];
  for (const descriptor of childrenNamed(role, 'md', 'KeyDescriptor')) {
    const use = readUse(descriptor);
    const encryptionMethods = childrenNamed(descriptor, 'md', 'EncryptionMethod')
      .map((method) => attribute(method, 'Algorithm'))
      .filter((algorithm): algorithm is string => algorithm !== undefined && algorithm !== '');
    // xmldsig-core §4.4.4: every X509Certificate of X509Data relates to the key. KeyName-only
    // descriptors (PKIX trust, used by some federations) carry no key and add nothing.
    const keyInfo = requiredChild(descriptor, 'ds', 'KeyInfo');
    for (const data of childrenNamed(keyInfo, 'ds', 'X509Data')) {
      for (const certificate of childrenNamed(data, 'ds', 'X509Certificate')) {
        const loaded = loadKey(textOf(certificate));
        keys.push({ use, key: loaded.key, certificate: loaded.certificate, encryptionMethods });
      }
    }
  }
  return keys;
}

function readUse(descriptor: Element): KeyUse {
  const use = attribute(descriptor, 'use');
  // saml-metadata §2.4.1.1: "If omitted, the key can be used for either purpose."
  if (use === undefined) return 'both';
  if (use === 'signing' || use === 'encryption') return use;
  fail('METADATA_INVALID', 'KeyDescriptor @use is neither signing nor encryption');
}

/** The keys that may verify the role's signatures (use signing or none). */
export function signingKeysOf(keys: readonly MetadataKey[]): KeyObject[] {
  return keys.filter((key) => key.use !== 'encryption').map((key) => key.key);
}

/** The keys a peer may encrypt to (use encryption or none). */
export function encryptionKeysOf(keys: readonly MetadataKey[]): MetadataKey[] {
  return keys.filter((key) => key.use !== 'signing');
}
