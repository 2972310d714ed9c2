import { expect } from 'chai';
import { createTraceReference, normalizeTraceReference } from '../../src/trace/reference.js';

describe('createTraceReference', () => {
  it('writes 8 symbols of Crockford base32 as XXXX-XXXX, without I, L, O or U', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const reference = createTraceReference();
      expect(reference).to.match(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
      seen.add(reference);
    }
    expect(seen.size).to.equal(200);
  });
});

describe('normalizeTraceReference', () => {
  it('reads a reference as a user types it', () => {
    for (const typed of ['K7Q2-9XMA', 'k7q2-9xma', 'K7Q29XMA', ' k7q2 9xma ']) expect(normalizeTraceReference(typed)).to.equal('K7Q2-9XMA');
  });

  it('maps the look-alikes back (O to 0, I and L to 1)', () => {
    expect(normalizeTraceReference('KOQ2-IXLA')).to.equal('K0Q2-1X1A');
  });

  it('refuses what cannot be one', () => {
    for (const bad of ['', 'K7Q2-9XM', 'K7Q2-9XMAB', 'K7Q2-9XMU', 'K7Q2_9XMA', '../../etc']) expect(normalizeTraceReference(bad)).to.equal(undefined);
  });
});
