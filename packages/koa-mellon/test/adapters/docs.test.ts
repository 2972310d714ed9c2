import { expect, use } from 'chai';
import chaiAsPromised from 'chai-as-promised';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LowercaseUsernames } from '../../../../docs/examples/adapter-lowercase-username.js';
import { customerIdp } from '../../../../docs/examples/adapter-mapping-defaults.js';
import { adapters, OnlyStaff } from '../../../../docs/examples/adapter-only-staff.js';
import { createAccountsUserStore, type Account, type AccountsDb } from '../../../../docs/examples/adapter-user-store.js';
import { DEFAULT_ATTRIBUTE_CLAIMS, DEFAULT_GROUP_ATTRIBUTES } from '../../src/adapters/attribute-mapping-defaults.js';
import { createAdapterChain, runAdapterChain } from '../../src/adapters/chain.js';
import { DefaultAdapter } from '../../src/adapters/default-adapter.js';
import { AMBIGUOUS_ACCOUNT_MESSAGE, USERNAME_TAKEN_MESSAGE } from '../../src/adapters/messages.js';
import { PermissionDenied } from '../../src/adapters/types.js';
import { ISSUER, idpContext, memoryUsers, samlAttributes } from './helpers.js';
import { NAMEID_FORMAT } from '@koa-mellon/saml';

use(chaiAsPromised);

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const EXAMPLES = join(ROOT, 'docs', 'examples');

/** The ORM of the example, in memory: the test plays your database. */
function memoryDb(): AccountsDb & { accounts: Map<string, Account> } {
  const accounts = new Map<string, Account>();
  const identities = new Map<string, string>();
  const groups = new Set<string>();
  const fold = (s: string, ignoreCase: boolean) => (ignoreCase ? s.toLowerCase() : s);
  return {
    accounts,
    findAccount: async (where) => [...accounts.values()].find((a) => ('id' in where ? a.id === where.id : a.username === where.username)) ?? null,
    findAccountsByEmail: async (email, { ignoreCase }) => [...accounts.values()].filter((a) => a.email !== '' && fold(a.email, ignoreCase) === fold(email, ignoreCase)),
    insertAccount: async (account) => {
      if ([...accounts.values()].some((a) => a.username === account.username)) throw Object.assign(new Error('duplicate'), { code: 'UNIQUE_VIOLATION' });
      accounts.set(account.id, { ...account });
    },
    updateAccount: async (account) => void accounts.set(account.id, { ...account }),
    findIdentity: async (issuer, nameId) => identities.get(JSON.stringify([issuer, nameId])) ?? null,
    upsertIdentity: async (issuer, nameId, id) => void identities.set(JSON.stringify([issuer, nameId]), id),
    groupExists: async (name) => groups.has(name),
    insertGroup: async (name) => void groups.add(name),
  };
}

describe('docs/adapters.md examples', () => {
  it('shows every docs/examples/adapter-*.ts file verbatim', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'adapters.md'), 'utf8');
    const examples = readdirSync(EXAMPLES).filter((name) => name.startsWith('adapter-') && name.endsWith('.ts'));
    expect(examples).to.have.length.at.least(3);
    for (const name of examples) {
      expect(doc.includes(`\`\`\`ts\n// docs/examples/${name}\n${readFileSync(join(EXAMPLES, name), 'utf8')}\`\`\``), name).to.equal(true);
    }
  });

  describe('adapter-only-staff.ts', () => {
    it('lets a staff member in, found or created by DefaultAdapter', async () => {
      const chain = createAdapterChain(adapters);
      expect(chain.adapters[0]).to.be.instanceOf(OnlyStaff);
      const user = await runAdapterChain(chain, idpContext(), samlAttributes({ memberOf: ['dev', 'staff'] }));
      expect(user.username).to.equal('abc@saml');
    });

    it('refuses anyone else with its own message, including a group that merely contains "staff"', async () => {
      const chain = createAdapterChain(adapters);
      for (const memberOf of [['dev'], ['nonstaff'], []]) {
        await expect(runAdapterChain(chain, idpContext(), samlAttributes({ memberOf })))
          .to.be.rejectedWith(PermissionDenied)
          .and.eventually.have.property('publicMessage', 'This application is for staff members only.');
      }
      await expect(runAdapterChain(chain, idpContext(), samlAttributes())).to.be.rejectedWith(PermissionDenied);
    });
  });

  describe('adapter-lowercase-username.ts', () => {
    it('creates users with lower-case names', async () => {
      const user = await runAdapterChain(createAdapterChain([LowercaseUsernames]), idpContext({ realm: 'CORP' }), samlAttributes({}, { name_id_content: 'JDoe' }));
      expect(user.username).to.equal('jdoe@corp');
    });
  });

  describe('adapter-user-store.ts', () => {
    const settings = {
      attributeMapping: { email: '{attributes[mail][0]}' },
      lookupByAttributes: [{ userField: 'email', samlAttribute: 'mail', ignoreCase: true }],
      superuserMapping: { roles: ['admin'] },
      groupAttribute: 'memberOf',
    };

    it('creates, provisions and finds again a user kept in your own tables', async () => {
      const db = memoryDb();
      const idp = idpContext(settings, createAccountsUserStore(db));
      const attributes = samlAttributes({ mail: ['jdoe@example.com'], roles: ['admin'], memberOf: ['staff'] });
      const user = await runAdapterChain(createAdapterChain([DefaultAdapter]), idp, attributes);
      expect(db.accounts.get(user.id)).to.deep.include({ username: 'abc@saml', email: 'jdoe@example.com', admin: true, staff: true, groups: ['staff'] });
      const again = await runAdapterChain(createAdapterChain([DefaultAdapter]), idp, attributes);
      expect(again.id).to.equal(user.id);
    });

    it('links an existing account by e-mail, ignoring case', async () => {
      const db = memoryDb();
      await db.insertAccount({ id: 'a1', username: 'jdoe', email: 'JDoe@Example.com', active: true, admin: false, staff: false, groups: [] });
      const users = createAccountsUserStore(db);
      const user = await runAdapterChain(createAdapterChain([DefaultAdapter]), idpContext(settings, users), samlAttributes({ mail: ['jdoe@example.com'] }));
      expect(user.id).to.equal('a1');
      expect((await users.findByFederation(ISSUER, 'abc'))?.id).to.equal('a1');
    });

    it('refuses an ambiguous e-mail and a taken username', async () => {
      const db = memoryDb();
      await db.insertAccount({ id: 'a1', username: 'abc@saml', email: 'x@example.com', active: true, admin: false, staff: false, groups: [] });
      await db.insertAccount({ id: 'a2', username: 'other', email: 'X@example.com', active: true, admin: false, staff: false, groups: [] });
      const idp = idpContext(settings, createAccountsUserStore(db));
      const chain = createAdapterChain([DefaultAdapter]);
      await expect(runAdapterChain(chain, idp, samlAttributes({ mail: ['x@example.com'] })))
        .to.be.rejectedWith(PermissionDenied)
        .and.eventually.have.property('publicMessage', AMBIGUOUS_ACCOUNT_MESSAGE);
      await expect(runAdapterChain(chain, idp, samlAttributes({ mail: ['new@example.com'] })))
        .to.be.rejectedWith(PermissionDenied)
        .and.eventually.have.property('publicMessage', USERNAME_TAKEN_MESSAGE);
    });

    it('finds nobody by a field it does not map', async () => {
      expect(await createAccountsUserStore(memoryDb()).findByField('phone', '123')).to.deep.equal([]);
    });
  });

  describe('adapter-mapping-defaults.ts', () => {
    const { metadataUrl: _url, ...settings } = customerIdp;
    const idp = (users = memoryUsers()) => idpContext({ ...settings, attributeMappingDefaults: true }, users);

    it('takes profile fields from the table, its own displayName row, the NameID as e-mail, and only existing groups', async () => {
      const users = memoryUsers();
      await users.createGroup('Engineering');
      const google = samlAttributes({ firstName: ['Erin'], lastName: ['Hannon'], department: ['Sales'], groups: ['Engineering', 'Everyone'] }, { name_id_content: 'erin@example.org', name_id_format: NAMEID_FORMAT.emailAddress });
      const user = await runAdapterChain(createAdapterChain([DefaultAdapter]), idp(users), google);
      expect(user.fields).to.deep.equal({ email: 'erin@example.org', firstName: 'Erin', lastName: 'Hannon', displayName: 'erin@example.org', department: 'Sales' });
      expect(user.groups).to.deep.equal(['Engineering']);
    });
  });
});

describe('docs/adapters.md#attribute-mapping-defaults table', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'adapters.md'), 'utf8');
  /** The claims of the row whose first cell starts with `label`, in the order written. */
  const row = (label: string): string[] => {
    const line = doc.split('\n').find((l) => l.startsWith(`| ${label}`)) ?? '';
    const claims = line.split(' | ')[1] ?? '';
    return [...claims.matchAll(/`([^`]+)`/g)].map((m) => m[1] as string);
  };

  it('lists exactly DEFAULT_ATTRIBUTE_CLAIMS, field by field, in order', () => {
    for (const [field, claims] of Object.entries(DEFAULT_ATTRIBUTE_CLAIMS)) expect(row(`\`${field}\``), field).to.deep.equal([...claims]);
  });

  it('lists exactly DEFAULT_GROUP_ATTRIBUTES, in order', () => {
    expect(row('*groups*')).to.deep.equal([...DEFAULT_GROUP_ATTRIBUTES]);
  });
});
