import { fail, findDefaultEndpoint } from '@koa-mellon/saml';
import { readQuery } from '@koa-mellon/web';
import type { IdpUser } from '../settings/types.js';
import { responseBindings } from './acs.js';
import type { SsoState } from './context.js';

/**
 * GET sso/init/?sp=<entityID>&next=<url>: IdP-initiated login (saml-profiles §4.1.5). An
 * unsolicited Response (no InResponseTo) goes to the SP's default ACS with RelayState = next,
 * only for SPs that allow it.
 */
export async function holdInitiated<U extends IdpUser>(state: SsoState<U>): Promise<void> {
  const { ctx, rt } = state;
  const query = readQuery(ctx);
  const sp = await rt.spByEntityId(query.get('sp') ?? '');
  state.trace.peer(sp.entity.entityId);
  if (sp.sp.settings.allowIdpInitiated === false) fail('UNSOLICITED_RESPONSE', 'IdP-initiated login is off for this SP');
  const acs = findDefaultEndpoint(sp.descriptor.assertionConsumerServices, responseBindings(rt.settings.artifactResolution ?? false));
  if (!acs) fail('METADATA_INVALID', 'SP metadata has no AssertionConsumerService we can answer on');
  const next = query.get('next');
  if (next !== undefined && next.length > 2048) fail('BINDING_INVALID', 'next too long');
  state.pending = {
    sp: sp.sp.index,
    spEntityId: sp.entity.entityId,
    acs: { binding: acs.binding, location: acs.location },
    relayState: next,
    forceAuthn: false,
    isPassive: false,
    format: sp.sp.settings.nameIdFormat ?? 'persistent',
    createdAt: rt.clock(),
    logins: 0,
    trace: state.trace.reference,
  };
}
