import { expect } from 'chai';
import { requireXmlsec } from '../../../../test/helpers/xmlsec.js';
import { TestSp } from '../harness.js';

type ErrorBody = { error: string };

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed by its seed. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MUTATIONS: ReadonlyArray<(xml: string, r: () => number) => string> = [
  (xml, r) => xml.slice(0, Math.floor(r() * xml.length)),
  (xml, r) => {
    const at = Math.floor(r() * xml.length);
    return xml.slice(0, at) + xml.slice(at + 1 + Math.floor(r() * 40));
  },
  (xml, r) => {
    const at = Math.floor(r() * xml.length);
    return xml.slice(0, at) + ['<', '>', '&', '"', '<!--x-->', '<x/>', '\u0000', '&#0;', ']]>', 'é'][Math.floor(r() * 10)] + xml.slice(at);
  },
  (xml, r) => {
    const tags = [...xml.matchAll(/<([\w:]+)[\s>]/g)].map((m) => m[1] as string);
    const tag = tags[Math.floor(r() * tags.length)] ?? 'x';
    return xml.replace(`<${tag}`, `<${tag}${r() < 0.5 ? 'X' : ' ID="dup"'}`);
  },
  (xml, r) => xml.replace(/="[^"]*"/g, (m) => (r() < 0.05 ? '=""' : m)),
];

describe('the ACS never answers bad input with a 500', () => {
  let sp: TestSp;
  const errors: unknown[] = [];
  before(requireXmlsec);
  before(async () => {
    const record = (o: object) => errors.push(o);
    sp = await TestSp.start('/accounts/mellon', { logger: { debug() {}, info() {}, warn() {}, error: record }, allowIdpInitiated: true });
  });
  after(() => sp.stop());

  it('for 150 seeded mutations of a valid signed response (bounded, deterministic)', async function () {
    this.timeout(60_000);
    const valid = Buffer.from(sp.response({ inResponseTo: null }), 'base64').toString();
    const random = prng(20261124);
    const codes = new Set<string>();
    for (let i = 0; i < 150; i++) {
      const mutate = MUTATIONS[i % MUTATIONS.length] as (typeof MUTATIONS)[number];
      const xml = mutate(valid, random);
      const response = await sp.post(sp.mellon.urls.login, { SAMLResponse: Buffer.from(xml).toString('base64') });
      // A mutation of an unsigned part (the Response's own Issuer, say) may be accepted once.
      if (response.status === 303) continue;
      expect(response.status, `case ${i}`).to.be.within(400, 503).and.not.equal(500);
      codes.add(((await response.json()) as ErrorBody).error);
    }
    expect(codes.has('INTERNAL_ERROR')).to.equal(false);
    expect(errors).to.deep.equal([]);
  });

  const raw: ReadonlyArray<readonly [string, RequestInit]> = [
    ['an empty body', { method: 'POST', body: '', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['a JSON body', { method: 'POST', body: '{"SAMLResponse":"x"}', headers: { 'content-type': 'application/json' } }],
    ['a body over the size limit', { method: 'POST', body: `SAMLResponse=${'A'.repeat(600_000)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['base64 of random bytes', { method: 'POST', body: `SAMLResponse=${encodeURIComponent(Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 37) % 256)).toString('base64'))}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ['a NUL in RelayState', { method: 'POST', body: 'SAMLResponse=PHg%2F&RelayState=%00', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
  ];
  for (const [what, init] of raw) {
    it(`for ${what}`, async () => {
      const response = await sp.request(sp.mellon.urls.login, { ...init, headers: { ...(init.headers as Record<string, string>), accept: 'application/json' } });
      expect(response.status).to.be.within(400, 499);
      expect(errors).to.deep.equal([]);
    });
  }

  it('for logout/ with garbage SAML parameters', async () => {
    for (const query of ['SAMLRequest=%%%', 'SAMLResponse=AAAA', 'SAMLRequest=eJzLSM3JyQcABiwCFQ%3D%3D', 'SAMLRequest=a&SAMLResponse=b']) {
      const response = await sp.request(`${sp.mellon.urls.logout}?${query}`, { headers: { accept: 'application/json' } });
      expect(response.status, query).to.be.within(400, 499);
    }
    expect(errors).to.deep.equal([]);
  });
});

describe('debug logging', () => {
  it('logs decoded messages with signature values and ciphertext redacted', async () => {
    const lines: string[] = [];
    const keep = (o: object) => lines.push(JSON.stringify(o));
    const sp = await TestSp.start('', { debug: true, logger: { debug: keep, info() {}, warn() {}, error() {} } });
    try {
      await sp.login({ encrypt: 'aes256-gcm', signResponse: true });
      const decoded = lines.find((line) => line.includes('samlp:Response')) ?? '';
      expect(decoded).to.include('[redacted]').and.include('EncryptedAssertion');
      expect(decoded).to.not.match(/CipherValue>[A-Za-z0-9+/]{20}/);
    } finally {
      await sp.stop();
    }
  });
});
