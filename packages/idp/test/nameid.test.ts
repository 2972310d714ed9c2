import { expect } from 'chai';
import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { nameIdFor, negotiateFormat } from '../src/nameid.js';
import type { VisitedSp } from '../src/state/sessions.js';

const user = { id: 'u-1001', email: 'alice@example.test', login: 'alice' };
const visits: readonly VisitedSp[] = [];
const base = { user, sp: {}, spEntityId: 'https://sp-a.example.test', idpEntityId: 'https://idp.example.test/metadata/', secret: 'a-secret-of-at-least-32-characters!!', visits };

describe('nameIdFor', () => {
  describe('persistent (pairwise)', () => {
    const persistent = (overrides: Partial<typeof base> = {}) => nameIdFor({ ...base, ...overrides, format: 'persistent' });

    it('is stable for one user and one SP', () => {
      expect(persistent()?.value).to.equal(persistent()?.value);
    });

    it('differs per SP, so SPs cannot correlate users', () => {
      expect(persistent()?.value).to.not.equal(persistent({ spEntityId: 'https://sp-b.example.test' })?.value);
    });

    it('depends on the secret and reveals nothing of the user id', () => {
      const value = persistent()?.value ?? '';
      expect(value).to.match(/^[A-Za-z0-9_-]{43}$/);
      expect(value).to.not.include(user.id);
      expect(persistent({ secret: 'another-secret-of-32-characters-or-more' })?.value).to.not.equal(value);
    });

    it('does not confuse (user, SP) pairs that concatenate alike', () => {
      const a = nameIdFor({ ...base, format: 'persistent', user: { id: 'ab' }, spEntityId: 'c' });
      const b = nameIdFor({ ...base, format: 'persistent', user: { id: 'a' }, spEntityId: 'bc' });
      expect(a?.value).to.not.equal(b?.value);
    });

    it('carries the qualifiers of saml-core §8.3.7', () => {
      expect(persistent()).to.deep.include({ format: NAMEID_FORMAT.persistent, nameQualifier: base.idpEntityId, spNameQualifier: base.spEntityId });
    });
  });

  describe('transient', () => {
    it('is random per session, and kept for the SP within the session', () => {
      const first = nameIdFor({ ...base, format: 'transient' });
      const other = nameIdFor({ ...base, format: 'transient' });
      expect(first?.value).to.match(/^_[0-9a-f]{40}$/).and.not.equal(other?.value);
      const visited = [{ entityId: base.spEntityId, nameId: first! }];
      expect(nameIdFor({ ...base, format: 'transient', visits: visited })?.value).to.equal(first?.value);
    });
  });

  describe('emailAddress and unspecified', () => {
    it('read a user field (email by default)', () => {
      expect(nameIdFor({ ...base, format: 'emailAddress' })).to.deep.equal({ value: 'alice@example.test', format: NAMEID_FORMAT.emailAddress });
      expect(nameIdFor({ ...base, format: 'unspecified', sp: { nameIdField: 'login' } })?.value).to.equal('alice');
    });

    it('give nothing for a user without the field', () => {
      expect(nameIdFor({ ...base, format: 'emailAddress', user: { id: 'u-2' } })).to.equal(undefined);
    });
  });
});

describe('negotiateFormat (saml-core §3.4.1.1 NameIDPolicy)', () => {
  it('gives the configured format when none or unspecified is asked', () => {
    expect(negotiateFormat('emailAddress', undefined)).to.equal('emailAddress');
    expect(negotiateFormat('transient', NAMEID_FORMAT.unspecified)).to.equal('transient');
  });

  it('always allows persistent and transient (pairwise, they leak nothing)', () => {
    expect(negotiateFormat('emailAddress', NAMEID_FORMAT.transient)).to.equal('transient');
    expect(negotiateFormat('transient', NAMEID_FORMAT.persistent)).to.equal('persistent');
  });

  it('allows another format only when it is the configured one', () => {
    expect(negotiateFormat('persistent', NAMEID_FORMAT.emailAddress)).to.equal(undefined);
    expect(negotiateFormat('emailAddress', NAMEID_FORMAT.emailAddress)).to.equal('emailAddress');
    expect(negotiateFormat('persistent', NAMEID_FORMAT.kerberos)).to.equal(undefined);
  });
});
