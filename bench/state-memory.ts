/**
 * `node --expose-gc --conditions=koa-mellon-source --import tsx bench/state-memory.ts [logins]`: the heap of
 * the memory state store under a stream of logins, each writing what an SP login writes (a
 * pending request taken back, a replay-cache entry, a session and its NameID index entry), with
 * the TTLs the SP uses. Prints heapUsed (after a full GC) every 10,000 logins: it must level off
 * at the store's bound (100,000 entries by default), not grow with the number of logins.
 */
import { randomBytes } from 'node:crypto';
import { createMemoryStore } from '../packages/web/src/index.js';

const logins = Number(process.argv[2] ?? 50_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const heapMb = () => {
  gc();
  return Math.round(process.memoryUsage().heapUsed / 1e6);
};

const store = createMemoryStore();
const requests = store.namespace('requests');
const replay = store.namespace('replay');
const sessions = store.namespace('sessions');
const MINUTE = 60_000;
console.log(`logins        heap MB   entries`);
console.log(`${'0'.padStart(6)}  ${String(heapMb()).padStart(12)}  ${String(store.size).padStart(8)}`);
for (let i = 1; i <= logins; i++) {
  const id = `_${randomBytes(20).toString('hex')}`;
  await requests.set(id, { next: '/reports', idp: 'https://idp.example.com/saml' }, 10 * MINUTE);
  await requests.take(id);
  await replay.setIfAbsent(`_${randomBytes(20).toString('hex')}`, true, 5 * MINUTE);
  const session = randomBytes(32).toString('hex');
  const nameId = `user-${i}@example.com`;
  await sessions.set(session, { userId: randomBytes(16).toString('hex'), issuer: 'https://idp.example.com/saml', nameId, attributes: { mail: [nameId], groups: ['staff', 'users'] } }, 8 * 60 * MINUTE);
  await sessions.indexAdd(JSON.stringify(['https://idp.example.com/saml', nameId]), session, 8 * 60 * MINUTE);
  if (i % 10_000 === 0) console.log(`${String(i).padStart(6)}  ${String(heapMb()).padStart(12)}  ${String(store.size).padStart(8)}`);
}
await store.close();
