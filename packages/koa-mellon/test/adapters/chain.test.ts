import { ConfigError, MellonError } from '@koa-mellon/saml';
import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { createAdapterChain, runAdapterChain } from '../../src/adapters/chain.js';
import { INACTIVE_ACCOUNT_MESSAGE, NO_ACCOUNT_MESSAGE } from '../../src/adapters/messages.js';
import { PermissionDenied, type Adapter, type AdapterSpec, type User } from '../../src/adapters/types.js';
import { idpContext, samlAttributes } from './helpers.js';

use(chaiAsPromised);

const user = (id: string, isActive = true): User => ({ id, username: id, isActive, isSuperuser: false, isStaff: false, groups: [], fields: {} });

/** An adapter that records its calls in `log` as `name.method`. */
function recorder(log: string[], name: string, behaviour: { authorize?: boolean | void; found?: User | null } = {}): Adapter {
  return {
    authorize: () => {
      log.push(`${name}.authorize`);
      return behaviour.authorize;
    },
    lookupUser: async () => {
      log.push(`${name}.lookupUser`);
      return behaviour.found ?? null;
    },
    provision: (u) => {
      log.push(`${name}.provision(${u.id})`);
    },
  };
}

describe('createAdapterChain', () => {
  it('instantiates a class once and keeps an instance as given', () => {
    let constructed = 0;
    class Counting implements Adapter {
      constructor() {
        constructed += 1;
      }
      lookupUser() {
        return null;
      }
    }
    const instance: Adapter = { lookupUser: () => null };
    const chain = createAdapterChain([Counting, instance]);
    expect(constructed).to.equal(1);
    expect(chain.adapters[0]).to.be.instanceOf(Counting);
    expect(chain.adapters[1]).to.equal(instance);
  });

  it('refuses a spec that is neither a class nor an object, naming its index', () => {
    // A JavaScript caller can pass anything; the cast stands in for that mistake.
    const specs = [{ lookupUser: () => null }, 42] as unknown as AdapterSpec[];
    expect(() => createAdapterChain(specs)).to.throw(ConfigError).with.property('path', 'adapters[1]');
  });

  it('refuses an adapter whose method is not a function', () => {
    // As above: a misspelt object literal from JavaScript.
    const specs = [{ lookupUser: () => null, provision: 'yes' }] as unknown as AdapterSpec[];
    expect(() => createAdapterChain(specs)).to.throw(ConfigError).with.property('path', 'adapters[0].provision');
  });

  it('refuses a chain in which no adapter can look a user up', () => {
    expect(() => createAdapterChain([{ authorize: () => true }])).to.throw(ConfigError).with.property('code', 'CONFIG_INVALID');
    expect(() => createAdapterChain([])).to.throw(ConfigError);
  });
});

describe('runAdapterChain', () => {
  const idp = idpContext();
  const attributes = samlAttributes();

  it('runs every authorize, then lookups until one finds a user, then every provision, in order', async () => {
    const log: string[] = [];
    const chain = createAdapterChain([recorder(log, 'a'), recorder(log, 'b', { found: user('u1') }), recorder(log, 'c', { found: user('u2') })]);
    const found = await runAdapterChain(chain, idp, attributes);
    expect(found.id).to.equal('u1');
    expect(log).to.deep.equal([
      'a.authorize',
      'b.authorize',
      'c.authorize',
      'a.lookupUser',
      'b.lookupUser',
      'a.provision(u1)',
      'b.provision(u1)',
      'c.provision(u1)',
    ]);
  });

  it('refuses with the default PermissionDenied when an authorize returns false, and stops there', async () => {
    const log: string[] = [];
    const chain = createAdapterChain([recorder(log, 'a', { authorize: false }), recorder(log, 'b', { found: user('u1') })]);
    const refusal = expect(runAdapterChain(chain, idp, attributes)).to.be.rejectedWith(PermissionDenied);
    await refusal.and.eventually.have.property('publicMessage', new PermissionDenied().publicMessage);
    expect(log).to.deep.equal(['a.authorize']);
  });

  it('refuses when an async authorize resolves to false', async () => {
    const chain = createAdapterChain([{ authorize: async () => false, lookupUser: () => user('u1') }]);
    await expect(runAdapterChain(chain, idp, attributes)).to.be.rejectedWith(PermissionDenied).and.eventually.have.property('code', 'PERMISSION_DENIED');
  });

  it('lets a login through when authorize returns nothing (no objection) or true', async () => {
    const chain = createAdapterChain([{ authorize: () => undefined }, { authorize: () => true, lookupUser: () => user('u1') }]);
    expect((await runAdapterChain(chain, idp, attributes)).id).to.equal('u1');
  });

  it('propagates a PermissionDenied thrown by authorize, with its message', async () => {
    const chain = createAdapterChain([
      {
        authorize: () => {
          throw new PermissionDenied('Only staff may sign in.');
        },
        lookupUser: () => user('u1'),
      },
    ]);
    await expect(runAdapterChain(chain, idp, attributes)).to.be.rejectedWith(PermissionDenied).and.eventually.have.property('publicMessage', 'Only staff may sign in.');
  });

  it('refuses with NO_ACCOUNT_MESSAGE when no lookup finds a user (null and undefined alike)', async () => {
    const chain = createAdapterChain([{ lookupUser: () => null }, { lookupUser: () => undefined }]);
    await expect(runAdapterChain(chain, idp, attributes)).to.be.rejectedWith(PermissionDenied).and.eventually.have.property('publicMessage', NO_ACCOUNT_MESSAGE);
  });

  it('does not provision when nobody was found', async () => {
    const log: string[] = [];
    const chain = createAdapterChain([recorder(log, 'a')]);
    await expect(runAdapterChain(chain, idp, attributes)).to.be.rejectedWith(PermissionDenied);
    expect(log).to.deep.equal(['a.authorize', 'a.lookupUser']);
  });

  it('refuses an inactive user with INACTIVE_ACCOUNT_MESSAGE, after provisioning', async () => {
    const log: string[] = [];
    const chain = createAdapterChain([recorder(log, 'a', { found: user('u1', false) })]);
    await expect(runAdapterChain(chain, idp, attributes)).to.be.rejectedWith(PermissionDenied).and.eventually.have.property('publicMessage', INACTIVE_ACCOUNT_MESSAGE);
    expect(log).to.include('a.provision(u1)');
  });

  it('lets a provision step reactivate a user before the check', async () => {
    const chain = createAdapterChain([
      {
        lookupUser: () => user('u1', false),
        provision: (u) => {
          u.isActive = true;
        },
      },
    ]);
    expect((await runAdapterChain(chain, idp, attributes)).isActive).to.equal(true);
  });

  it('passes other errors through unchanged', async () => {
    const chain = createAdapterChain([
      {
        lookupUser: () => {
          throw new MellonError('STORE_UNAVAILABLE', 'down');
        },
      },
    ]);
    await expect(runAdapterChain(chain, idp, attributes)).to.be.rejectedWith(MellonError).and.eventually.have.property('code', 'STORE_UNAVAILABLE');
  });

  it('calls class adapters’ methods on their one instance', async () => {
    const seen: unknown[] = [];
    class Stateful implements Adapter {
      lookupUser() {
        seen.push(this);
        return user('u1');
      }
    }
    const chain = createAdapterChain([Stateful]);
    await runAdapterChain(chain, idp, attributes);
    await runAdapterChain(chain, idp, attributes);
    expect(seen).to.have.length(2);
    expect(seen[0]).to.equal(chain.adapters[0]).and.equal(seen[1]);
  });
});
