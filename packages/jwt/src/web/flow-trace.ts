import type { Context } from 'koa';
import { MellonError } from '@koa-mellon/saml';
import { FlowTrace, flowTraceOf, keepFlowTrace, type TraceRecord } from '@koa-mellon/web';
import type { BridgeRuntime } from '../runtime.js';

/** The bridge's flows: a SAML login ending in tokens, a token refresh, a launch link, a logout. */
export type BridgeFlow = TraceRecord['flow'];

/**
 * Starts this request's part of a flow's trace (role `jwt`), kept on the context (when there is
 * one) where the route's refusal handler finds it. A trace holds step names, outcomes and codes,
 * never a message: no token, code, cookie or key can reach it.
 */
export function startBridgeTrace(ctx: Context | undefined, rt: BridgeRuntime, flow: BridgeFlow, reference?: string): FlowTrace {
  // The redaction applies to SAML messages, which the bridge never records.
  const trace = new FlowTrace({ store: rt.traces, role: 'jwt', flow, redaction: 'personal', logger: rt.logger, clock: rt.clock }, reference);
  return ctx ? keepFlowTrace(ctx, trace) : trace;
}

/** The trace this request started, if any. */
export function bridgeTraceOf(ctx: Context): FlowTrace | undefined {
  return flowTraceOf(ctx, 'jwt');
}

/** The trace the route started for this request (a route of a flow always has one). */
export function requireTrace(ctx: Context): FlowTrace {
  const trace = bridgeTraceOf(ctx);
  if (!trace) throw new Error('a flow route ran without its trace');
  return trace;
}

/** The runtime as a flow sees it: its log lines (and the families') carry the trace reference. */
export function tracedRuntime(rt: BridgeRuntime, trace: FlowTrace): BridgeRuntime {
  return { ...rt, logger: trace.logger, families: rt.families.withLogger(trace.logger) };
}

/**
 * Runs `work` as the flow `trace` of a hook (no route around it to record a refusal): a refusal
 * is recorded and the trace written before the error goes on to the caller (the SP's or the
 * IdP's error page); success writes it too.
 */
export async function traced<T>(trace: FlowTrace, work: () => Promise<T>): Promise<T> {
  try {
    const result = await work();
    await trace.flush();
    return result;
  } catch (err) {
    trace.refuse(err);
    await trace.flush();
    // The caller's page names its own reference; this line ties the refusal to the bridge's.
    if (err instanceof MellonError) trace.logger.info({ code: err.code, reason: err.message }, 'koa-mellon jwt: refused');
    throw err;
  }
}
