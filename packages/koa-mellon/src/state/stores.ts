import { Keyv } from 'keyv';
import { createAtomicStore, pinAdapterNamespace, type AtomicStore } from '@koa-mellon/web';

/** The namespaces koa-mellon keeps, one Keyv each, sharing the caller's storage adapter. */
export interface MellonStores {
  readonly sessions: Keyv;
  readonly logins: Keyv;
  readonly users: Keyv;
  readonly atomic: AtomicStore;
}

/**
 * Namespaced views of `base` (default: in memory) that throw instead of failing open. The
 * namespaces are `<prefix>-sessions` and so on, where the prefix is `base`'s own namespace when
 * one was given (several apps sharing one Redis), else `mellon`.
 */
export function createStores(base: Keyv = new Keyv()): MellonStores {
  const adapter: unknown = base.store;
  pinAdapterNamespace(adapter);
  const prefix = base.namespace && base.namespace !== 'keyv' ? base.namespace : 'mellon';
  const view = (namespace: string) => {
    const keyv = new Keyv({ store: adapter as never, namespace: `${prefix}-${namespace}`, throwOnErrors: true });
    keyv.on('error', () => {
      // Thrown to the caller (throwOnErrors); the listener keeps them from being unhandled.
    });
    return keyv;
  };
  return {
    sessions: view('sessions'),
    logins: view('logins'),
    users: view('users'),
    atomic: createAtomicStore(base, `${prefix}-atomic`),
  };
}

