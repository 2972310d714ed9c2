import { Keyv } from 'keyv';
import { createAtomicStore, pinAdapterNamespace, type AtomicStore } from '@koa-mellon/web';

/** The IdP's namespaces in the caller's store: IdP sessions, pending logouts, remembered consents, atomic keys. */
export interface IdpStores {
  readonly sessions: Keyv;
  readonly logouts: Keyv;
  readonly consents: Keyv;
  readonly atomic: AtomicStore;
}

/**
 * Views of `base` (default: in memory) under `idp-*` namespaces (`<namespace>-idp-*` when `base`
 * has its own namespace, as koa-mellon's stores do) that throw instead of failing open; the atomic
 * operations are @koa-mellon/web's (native on Redis).
 */
export function createIdpStores(base: Keyv = new Keyv()): IdpStores {
  const adapter: unknown = base.store;
  pinAdapterNamespace(adapter);
  const prefix = base.namespace && base.namespace !== 'keyv' ? `${base.namespace}-idp` : 'idp';
  const view = (namespace: string): Keyv => {
    // Keyv accepts any storage adapter; the caller's is passed on untouched.
    const keyv = new Keyv({ store: adapter as never, namespace: `${prefix}-${namespace}`, throwOnErrors: true });
    keyv.on('error', () => {
      // Thrown to the caller (throwOnErrors); the listener keeps them from being unhandled.
    });
    return keyv;
  };
  return { sessions: view('sessions'), logouts: view('logouts'), consents: view('consents'), atomic: createAtomicStore(base, `${prefix}-atomic`) };
}
