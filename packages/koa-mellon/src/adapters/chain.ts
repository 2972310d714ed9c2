import { ConfigError } from '@koa-mellon/saml';
import { federationIdentity, uidMissing } from './federation.js';
import { INACTIVE_ACCOUNT_MESSAGE, NO_ACCOUNT_MESSAGE } from './messages.js';
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
 * @throws PermissionDenied when an adapter refuses, nobody is found, or the user is inactive;
 *   MellonError UID_MISSING when nobody is found and the login has no uid (`federationIdentity`).
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
    // No key at all is the IdP's or the settings' fault, not an account missing: its own code.
    if (federationIdentity(idp, attributes) === null) throw uidMissing(idp, attributes);
    throw new PermissionDenied(NO_ACCOUNT_MESSAGE);
  }
  for (const adapter of chain.adapters) {
    await adapter.provision?.(user, idp, attributes);
  }
  // Checked last, like django-mellon's view after authenticate(): a provision step may (de)activate.
  if (!user.isActive) throw new PermissionDenied(INACTIVE_ACCOUNT_MESSAGE);
  return user;
}
