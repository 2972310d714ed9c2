/**
 * Federation-size metadata: parse, verify, index and look up a synthetic aggregate.
 *
 *   node --conditions=koa-mellon-source --import tsx bench/metadata.ts [entities=5000]
 *
 * Each entity carries its own real X.509 certificate (distinct serial, subject and issuer
 * signature), mdui, a scope, endpoints, an Organization and contacts: about 5 KB, so 5,000
 * entities make a ~24 MB document (bench/lib/metadata-aggregate.ts), the size of a national federation aggregate.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { getEntity, parseMetadata } from '../packages/saml/src/metadata/index.js';
import { buildAggregate, makeCertificates, makePublisher } from './lib/metadata-aggregate.js';

setFlagsFromString('--expose-gc');
// The gc function exposed by the flag above, fetched from a fresh context.
const gc = runInNewContext('gc') as () => void;

const count = Number(process.argv[2] ?? 5000);
const ms = (start: bigint): string => `${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(0)} ms`;
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

let start = process.hrtime.bigint();
const certs = makeCertificates(count);
console.log(`${certs.length} certificates made in ${ms(start)}`);

start = process.hrtime.bigint();
const publisher = makePublisher();
const { unsigned, signed } = buildAggregate(count, certs, publisher);
console.log(`aggregate built in ${ms(start)}: ${mb(Buffer.byteLength(unsigned))}, ${count} entities`);

for (const [label, xml, options] of [
  ['unsigned', unsigned, {}],
  ['signed, verified', signed, { signingCertificates: [publisher.publicKey] }],
] as const) {
  gc();
  const before = process.memoryUsage();
  start = process.hrtime.bigint();
  const metadata = parseMetadata(xml, options);
  const parseTime = ms(start);
  gc();
  const after = process.memoryUsage();
  // KeyObjects and certificates live outside the JS heap: `external` counts them.
  const retained = `heapUsed +${mb(after.heapUsed - before.heapUsed)}, external +${mb(after.external - before.external)}`;
  console.log(`parse (${label}): ${parseTime}; retained ${retained}; ${metadata.entities.size} entities`);

  const ids = [...metadata.entities.keys()];
  const lookups = 1_000_000;
  start = process.hrtime.bigint();
  let found = 0;
  // An index modulo the length is always in range.
  for (let i = 0; i < lookups; i++) found += getEntity(metadata, ids[(i * 7919) % ids.length] as string).idp ? 1 : 0;
  const total = Number(process.hrtime.bigint() - start);
  console.log(`lookup: ${(total / lookups).toFixed(0)} ns per getEntity (${lookups} lookups, ${found} IdPs)`);
}
