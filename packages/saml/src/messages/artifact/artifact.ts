import { createHash, randomBytes } from 'node:crypto';
import { decodeBase64 } from '../../base64.js';
import { fail } from '../../errors.js';

/** A SAML 2.0 type 0x0004 artifact (saml-bindings §3.6.4). */
export interface Artifact {
  readonly endpointIndex: number;
  /** SHA-1 of the issuer's entityID: identifies, not authenticates. */
  readonly sourceId: Buffer;
  readonly messageHandle: Buffer;
}

/** SHA-1 here is an identifier (saml-bindings §3.6.4), not a security primitive. */
export function artifactSourceId(entityId: string): Buffer {
  return createHash('sha1').update(entityId, 'utf8').digest();
}

export function parseArtifact(value: string): Artifact {
  if (value.length > 200) fail('BINDING_INVALID', 'artifact too long');
  const bytes = decodeBase64(value);
  if (bytes.length !== 44 || bytes.readUInt16BE(0) !== 4) fail('BINDING_INVALID', 'not a type 0x0004 artifact');
  return { endpointIndex: bytes.readUInt16BE(2), sourceId: bytes.subarray(4, 24), messageHandle: bytes.subarray(24, 44) };
}

/** Creates an artifact for `entityId` with a fresh 20-byte random message handle. */
export function createArtifact(entityId: string, endpointIndex = 0): { artifact: string; messageHandle: Buffer } {
  const messageHandle = randomBytes(20);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(4, 0);
  header.writeUInt16BE(endpointIndex, 2);
  return { artifact: Buffer.concat([header, artifactSourceId(entityId), messageHandle]).toString('base64'), messageHandle };
}
