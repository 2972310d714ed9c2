import { expect } from 'chai';
import { effectiveSettings } from '../../src/settings/resolve.js';

describe('effectiveSettings (per-IdP overrides)', () => {
  const global = { baseUrl: 'https://a.test', identityProviders: [], provision: true, clockSkew: 300, authnClassRef: ['urn:x'] };
  it('takes the IdP value whenever the key is present, even false, 0 or empty', () => {
    const effective = effectiveSettings(global, { provision: false, clockSkew: 0, authnClassRef: [] });
    expect(effective.provision).to.equal(false);
    expect(effective.clockSkew).to.equal(0);
    expect(effective.authnClassRef).to.deep.equal([]);
  });
  it('falls back to the global value, then to the default', () => {
    const effective = effectiveSettings(global, {});
    expect(effective.provision).to.equal(true);
    expect(effective.clockSkew).to.equal(300);
    expect(effective.realm).to.equal('saml');
    expect(effective.wantAssertionsSigned).to.equal(false);
    expect(effective.allowIdpInitiated).to.equal(false);
  });
});
