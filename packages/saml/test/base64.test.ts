import { expect } from 'chai';
import { MellonError } from '@koa-mellon/saml';
import { decodeBase64 } from '../src/base64.js';

describe('decodeBase64', () => {
  it('decodes canonical base64, wrapped with XML whitespace', () => {
    expect(decodeBase64('aGVs\r\n bG8=\t').toString()).to.equal('hello');
    expect(decodeBase64('').length).to.equal(0);
  });
  for (const [what, input] of [
    ['invalid characters (which Node would skip)', 'aGVs*bG8='],
    ['base64url characters', 'a-_b'],
    ['missing padding', 'aGVsbG8'],
    ['non-canonical trailing bits', 'QR=='],
    ['data after padding', 'QQ==QQ=='],
  ] as const) {
    it(`refuses ${what}`, () => {
      expect(() => decodeBase64(input, 'SIGNATURE_INVALID')).to.throw(MellonError).with.property('code', 'SIGNATURE_INVALID');
    });
  }
});
