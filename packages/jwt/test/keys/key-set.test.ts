import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { ConfigError } from '@koa-mellon/saml';
import { loadKeySet } from '../../src/keys/key-set.js';
import { KEYS } from '../helpers/bridge.js';

use(chaiAsPromised);

describe('loadKeySet', () => {
  it('loads EdDSA, ES256 and RS256 keys, one signing, and publishes every public half with kid, alg and use', async () => {
    const set = await loadKeySet([
      { kid: 'ed', alg: 'EdDSA', privateKey: KEYS.ed.privateKey, use: 'sign' },
      { kid: 'es', alg: 'ES256', publicKey: KEYS.es.publicKey, use: 'verify' },
      { kid: 'rs', alg: 'RS256', privateKey: KEYS.rs.privateKey, use: 'verify' },
    ]);
    expect(set.signing.kid).to.equal('ed');
    const jwks = set.jwks();
    expect(jwks.keys.map((k) => [k.kid, k.alg, k.use, k.kty])).to.deep.equal([['ed', 'EdDSA', 'sig', 'OKP'], ['es', 'ES256', 'sig', 'EC'], ['rs', 'RS256', 'sig', 'RSA']]);
    for (const key of jwks.keys) expect(key).to.not.have.any.keys('d', 'p', 'q', 'dp', 'dq', 'qi');
  });

  const refusals: [string, Parameters<typeof loadKeySet>[0], string][] = [
    ['no key', [], 'keys'],
    ['no signing key', [{ kid: 'a', alg: 'EdDSA', publicKey: KEYS.ed.publicKey, use: 'verify' }], 'keys'],
    ['two signing keys', [{ kid: 'a', alg: 'EdDSA', privateKey: KEYS.ed.privateKey, use: 'sign' }, { kid: 'b', alg: 'EdDSA', privateKey: KEYS.ed2.privateKey, use: 'sign' }], 'keys[1].use'],
    ['a duplicate kid', [{ kid: 'a', alg: 'EdDSA', privateKey: KEYS.ed.privateKey, use: 'sign' }, { kid: 'a', alg: 'EdDSA', publicKey: KEYS.ed2.publicKey, use: 'verify' }], 'keys[1].kid'],
    ['an EdDSA key declared RS256 (the key decides the algorithm)', [{ kid: 'a', alg: 'RS256', privateKey: KEYS.ed.privateKey, use: 'sign' }], 'keys[0].alg'],
    ['an RSA key declared ES256', [{ kid: 'a', alg: 'ES256', privateKey: KEYS.rs.privateKey, use: 'sign' }], 'keys[0].alg'],
    ['HS256 (symmetric algorithms are not offered)', [{ kid: 'a', alg: 'HS256' as 'RS256', privateKey: KEYS.ed.privateKey, use: 'sign' }], 'keys[0].alg'],
    ['a signing key without its private half', [{ kid: 'a', alg: 'EdDSA', publicKey: KEYS.ed.publicKey, use: 'sign' }], 'keys[0].privateKey'],
    ['text that is not a PEM key', [{ kid: 'a', alg: 'EdDSA', privateKey: 'not a key', use: 'sign' }], 'keys[0].privateKey'],
  ];
  for (const [what, keys, path] of refusals) {
    it(`refuses ${what} (CONFIG_INVALID at ${path})`, async () => {
      await expect(loadKeySet(keys)).to.be.rejectedWith(ConfigError).and.eventually.include({ code: 'CONFIG_INVALID', path });
    });
  }
});
