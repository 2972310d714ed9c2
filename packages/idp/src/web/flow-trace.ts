import type { Context } from 'koa';
import { FlowTrace, flowTraceOf, keepFlowTrace } from '@koa-mellon/web';
import type { IdpRuntime } from '../runtime.js';
import type { IdpUser } from '../settings/types.js';

/**
 * Starts this request's part of a login or logout trace (role `idp`) and keeps it on the context,
 * where the error handler finds it to record the refusal and show the reference. `reference`
 * joins a flow started earlier; without it a new one begins (a later step may still `adopt` one).
 */
export function startIdpTrace<U extends IdpUser>(ctx: Context, rt: IdpRuntime<U>, flow: 'login' | 'logout', reference?: string): FlowTrace {
  return keepFlowTrace(ctx, new FlowTrace({ store: rt.traces, role: 'idp', flow, redaction: rt.traceRedaction, logger: rt.logger, clock: rt.clock }, reference));
}

/** The trace this request started, if any. */
export function idpTraceOf(ctx: Context): FlowTrace | undefined {
  return flowTraceOf(ctx, 'idp');
}

/**
 * The runtime as this flow's steps see it: every log line carries the trace reference (the
 * runtime's functions are closures, not methods on `this`, so a copy works the same).
 */
export function tracedRuntime<U extends IdpUser>(rt: IdpRuntime<U>, trace: FlowTrace): IdpRuntime<U> {
  return { ...rt, logger: trace.logger };
}
