import { ConfigError } from '@koa-mellon/saml';
import { NAMEID_FORMAT } from '@koa-mellon/saml';
import { INACTIVE_ACCOUNT_MESSAGE, NO_ACCOUNT_MESSAGE } from './messages.js';
import { wantedNameIdFormat } from './name-id-format.js';
import { singleString } from './read-attributes.js';
import { PermissionDenied, type Adapter, type AdapterSpec, type IdpContext, type MellonAttributes, type User } from './types.js';

/** The adapters of one `createMellon`, instantiated once, in order. */
export interface AdapterChain {
  readonly adapters: readonly Adapter[];
}

const METHODS = ['authorize', 'lookupUser', 'provision'] as const;

/**
 * Instantiates adapter classes once (instances are used as given) and checks the chain can log
 * anyone in at all.
 * @throws ConfigError (code `CONFIG_INVALID`, path `adapters[i]`) at start-up.
 * @example createAdapterChain([OnlyStaff, new DefaultAdapter()])
 */
export function createAdapterChain(specs: readonly AdapterSpec[]): AdapterChain {
  const adapters = specs.map((spec, i): Adapter => {
    const adapter = typeof spec === 'function' ? new spec() : spec;
    if (typeof adapter !== 'object' || adapter === null) {
      throw new ConfigError(`adapters[${i}]`, 'expected an adapter class or instance');
    }
    for (const method of METHODS) {
      const value: unknown = adapter[method];
      if (value !== undefined && typeof value !== 'function') {
        throw new ConfigError(`adapters[${i}].${method}`, 'expected a method');
      }
    }
    return adapter;
  });
  // django-mellon would refuse every login without saying why; say it once, at start-up.
  if (!adapters.some((adapter) => adapter.lookupUser !== undefined)) {
    throw new ConfigError('adapters', 'no adapter has a lookupUser method, so no login could succeed');
  }
  return Object.freeze({ adapters: Object.freeze(adapters) });
}

/**
 * Runs one login through the chain, as django-mellon's SAMLBackend does: every `authorize`, then
 * the first `lookupUser` that finds someone, then every `provision`; finally the user must be active.
 * @throws PermissionDenied when an adapter refuses, nobody is found, or the user is inactive.
 * @example
 * const user = await runAdapterChain(chain, { ...idpSettings, users }, attributes);
 */
export async function runAdapterChain(chain: AdapterChain, idp: IdpContext, attributes: MellonAttributes): Promise<User> {
  for (const adapter of chain.adapters) {
    // Only an explicit `false` refuses: `void` means the adapter has no objection.
    if ((await adapter.authorize?.(idp, attributes)) === false) throw new PermissionDenied();
  }
  let user: User | undefined;
  for (const adapter of chain.adapters) {
    const found = await adapter.lookupUser?.(idp, attributes);
    if (found !== null && found !== undefined) {
      user = found;
      break;
    }
  }
  if (user === undefined) {
    const transient = transientWithoutFederation(idp, attributes);
    throw transient
      ? new PermissionDenied(NO_ACCOUNT_MESSAGE, TRANSIENT_REASON, { nameIdFormatReceived: NAMEID_FORMAT.transient, nameIdFormatWanted: wantedNameIdFormat(idp), transientFederationAttribute: '(not set)' })
      : new PermissionDenied(NO_ACCOUNT_MESSAGE);
  }
  for (const adapter of chain.adapters) {
    await adapter.provision?.(user, idp, attributes);
  }
  // Checked last, like django-mellon's view after authenticate(): a provision step may (de)activate.
  if (!user.isActive) throw new PermissionDenied(INACTIVE_ACCOUNT_MESSAGE);
  return user;
}

/**
 * Why nobody was found, for the log, when the cause is the common first-use one: a transient
 * NameID (SimpleSAMLphp's default for an SP read from XML metadata, Shibboleth's) keys no account,
 * and no `transientFederationAttribute` says which attribute does.
 */
function transientWithoutFederation(idp: IdpContext, attributes: MellonAttributes): boolean {
  return singleString(attributes, 'name_id_format') === NAMEID_FORMAT.transient && idp.transientFederationAttribute === undefined;
}

const TRANSIENT_REASON =
  'The IdP sent a transient NameID (a new value at every login), which cannot identify an account, and transientFederationAttribute is not set. Fix one of: ask the IdP for a persistent NameID (list it in nameIdFormats so it appears in our metadata, or set nameIdPolicyFormat), or set transientFederationAttribute to an attribute that identifies the user.';
