import type { Context } from 'koa';
import type { Runtime } from '../../runtime.js';
import type { AcsState } from './context.js';
import { chooseIdp, readMessage, takePendingLogin } from './receive.js';
import { resolveArtifact } from './artifact.js';
import { validate } from './validate.js';
import { stashOrFinish } from './login-user.js';
import { startFlowTrace } from '../flow-trace.js';

/**
 * The ACS (POST login/, or GET login/?SAMLart=), step by step. Everything before `validate` touches only bytes and our own
 * state; everything after reads only what the verified assertion says.
 */
const ACS_STEPS: ReadonlyArray<readonly [string, (state: AcsState) => Promise<void>]> = [
  ['read the SAMLResponse (HTTP-POST: size-limited, one hardened parse) or the SAMLart', readMessage],
  ['take the pending login named by our RelayState', takePendingLogin],
  ['choose the IdP among the configured ones', chooseIdp],
  ['HTTP-Artifact: resolve the artifact at the IdP over SOAP', resolveArtifact],
  ['validate: signatures, decryption, every protocol check, replay', validate],
  ['bind to the browser: 303 to login/finish/ (SP-initiated), or run the adapters and open the session', stashOrFinish],
];

export async function assertionConsumerService(ctx: Context, rt: Runtime): Promise<void> {
  // A new reference until the pending login (RelayState or InResponseTo) names the flow's own.
  const state: AcsState = { ctx, rt, trace: startFlowTrace(ctx, rt, 'login') };
  for (const [name, step] of ACS_STEPS) await state.trace.run(name, () => step(state));
  // A refusal is recorded and written by the router's error handler.
  await state.trace.flush();
}
