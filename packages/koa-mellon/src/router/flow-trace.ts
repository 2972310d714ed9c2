import type { Context } from 'koa';
import { FlowTrace } from '@koa-mellon/web';
import type { Runtime } from '../runtime.js';

const KEY = Symbol('koa-mellon flow trace');

/**
 * Starts this request's part of a login or logout trace and keeps it on the context, where the
 * error handler finds it (to record the refusal and show the reference). `reference` joins a flow
 * started earlier; without it a new one begins.
 */
export function startFlowTrace(ctx: Context, rt: Runtime, flow: 'login' | 'logout', reference?: string): FlowTrace {
  const trace = new FlowTrace({ store: rt.traces, role: 'sp', flow, redaction: rt.traceRedaction, logger: rt.logger, clock: rt.clock }, reference);
  (ctx.state as Record<symbol, FlowTrace | undefined>)[KEY] = trace;
  return trace;
}

/** The trace this request started, if any. */
export function flowTraceOf(ctx: Context): FlowTrace | undefined {
  return (ctx.state as Record<symbol, FlowTrace | undefined>)[KEY];
}
