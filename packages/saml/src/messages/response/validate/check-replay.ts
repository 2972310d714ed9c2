import { failWithDetail } from '../../../errors.js';
import type { ReplayCache } from '../types.js';

/** saml-profiles §4.1.4.5: an assertion ID is accepted once, remembered until it expires. */
export async function checkReplay(id: string, expiresAt: number, cache: ReplayCache): Promise<void> {
  if (await cache.markSeen(id, expiresAt)) return;
  const firstSeen = await cache.firstSeen?.(id);
  failWithDetail('REPLAYED_ASSERTION', 'assertion ID already accepted', { assertionId: id, firstSeen: firstSeen === undefined ? '(unknown)' : new Date(firstSeen).toISOString() });
}
