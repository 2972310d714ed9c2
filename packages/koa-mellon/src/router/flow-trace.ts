import type { Context } from 'koa';
import { FlowTrace, flowTraceOf, keepFlowTrace } from '@koa-mellon/web';
import type { Runtime } from '../runtime.js';

/**
 * Starts this request's part of a login or logout trace (role `sp`), kept on the context where the
 * error handler finds it. `reference` joins a flow started earlier; without it a new one begins.
 */
export function startFlowTrace(ctx: Context, rt: Runtime, flow: 'login' | 'logout', reference?: string): FlowTrace {
  return keepFlowTrace(ctx, new FlowTrace({ store: rt.traces, role: 'sp', flow, redaction: rt.traceRedaction, logger: rt.logger, clock: rt.clock }, reference));
}

/** The trace this request started, if any. */
export function spTraceOf(ctx: Context): FlowTrace | undefined {
  return flowTraceOf(ctx, 'sp');
}
