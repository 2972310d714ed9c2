import { performance } from 'node:perf_hooks';
import type { Context as KoaContext } from 'koa';
import { context, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { MellonError } from '@koa-mellon/saml';
import type { Logger } from '../log.js';
import { createTraceReference } from './reference.js';
import { redactSamlMessage, type TraceRedaction } from './redact.js';
import type { TraceMessage, TraceRecord, TraceStep, TraceStore } from './store.js';
import { errorTypeOf, telemetryInstruments, telemetryTracer, TELEMETRY_ATTRIBUTES as A } from './telemetry.js';

export interface FlowTraceOptions {
  /** Where traces go; undefined when traces are off (the reference still tags logs and pages). */
  readonly store?: TraceStore | undefined;
  readonly role: TraceRecord['role'];
  readonly flow: TraceRecord['flow'];
  readonly redaction: TraceRedaction;
  readonly logger: Logger;
  readonly clock: () => number;
}

/**
 * One request's part of a flow: steps and messages are collected in memory and written in one
 * store call by `flush` (at the end of the request, refused or not). The reference can be adopted
 * from the flow's pending state once it is known (the ACS learns it from the RelayState).
 *
 * Through `@opentelemetry/api` (no-ops unless the app installs an SDK, docs/telemetry.md) the
 * request is a span with a child span per step, each step's duration is recorded, and the flow's
 * end is counted (`complete` or `refuse`). Attributes carry codes, names and ids, never wire values.
 */
export class FlowTrace {
  #reference: string;
  #peer: string | undefined;
  readonly #steps: TraceStep[] = [];
  readonly #messages: TraceMessage[] = [];
  readonly #options: FlowTraceOptions;
  #current: string | undefined;
  #refused = false;
  #completed = false;
  /** This request's span, started with its first step and ended by `flush`. */
  #span: Span | undefined;
  /** This flow's log lines: the app's logger with `trace` added to every line. */
  readonly logger: Logger;

  constructor(options: FlowTraceOptions, reference = createTraceReference()) {
    this.#options = options;
    this.#reference = reference;
    this.logger = traceLogger(options.logger, () => this.#reference);
  }

  get reference(): string {
    return this.#reference;
  }

  get role(): TraceRecord['role'] {
    return this.#options.role;
  }

  /** Joins a flow started earlier (its reference was kept with the pending request). */
  adopt(reference: string | undefined): void {
    if (reference === undefined) return;
    this.#reference = reference;
    this.#span?.setAttribute(A.trace, reference);
  }

  /** The peer's entityID, once chosen from configuration. */
  peer(entityId: string): void {
    this.#peer = entityId;
    this.#span?.setAttribute(A.peer, entityId);
  }

  /** A step done at once (outside `run`): recorded, and a span of no duration under the request's. */
  step(step: string): void {
    this.#steps.push({ step, outcome: 'ok', at: this.#options.clock() });
    const at = Date.now();
    telemetryTracer().startSpan(step, { attributes: this.#stepAttributes(step), startTime: at }, this.#requestContext()).end(at);
  }

  /**
   * Runs one named step: recorded as done when it returns; a refusal names it (`refuse`). Its span
   * is the active one while `work` runs, so spans that `work` starts (an HTTP client's) nest in it.
   */
  async run(step: string, work: () => Promise<void>): Promise<void> {
    this.#current = step;
    const parent = this.#requestContext();
    const span = telemetryTracer().startSpan(step, { attributes: this.#stepAttributes(step) }, parent);
    const started = performance.now();
    let outcome = 'ok';
    try {
      await context.with(trace.setSpan(parent, span), work);
    } catch (err) {
      outcome = 'refused';
      markRefused(span, err);
      throw err;
    } finally {
      span.end();
      const { role, flow } = this.#options;
      telemetryInstruments().stepDuration.record(performance.now() - started, { [A.role]: role, [A.flow]: flow, [A.step]: step, [A.outcome]: outcome });
    }
    this.#current = undefined;
    this.#steps.push({ step, outcome: 'ok', at: this.#options.clock() });
  }

  /** The flow ended well in this request (the user logged in or out): counted once. */
  complete(): void {
    if (this.#completed || this.#refused) return;
    this.#completed = true;
    this.#count({ [A.outcome]: 'ok' });
  }

  /** A decoded SAML message, redacted before it is kept in memory. */
  message(name: string, xml: string): void {
    if (this.#options.store) this.#messages.push({ name, xml: redactSamlMessage(xml, this.#options.redaction) });
  }

  /** The refusal that ends this request (once): code, internal reason, the operator's detail, in the step that was running. */
  refuse(err: unknown): void {
    if (this.#refused) return;
    this.#refused = true;
    const span = this.#requestSpan();
    markRefused(span, err);
    if (!this.#completed) this.#count({ [A.outcome]: 'refused', [A.errorType]: errorTypeOf(err) });
    const at = this.#options.clock();
    const step = this.#current ?? 'request';
    if (err instanceof MellonError) {
      this.#steps.push({ step, outcome: 'refused', at, code: err.code, reason: err.message.slice(0, 300), ...(err.detail ? { detail: err.detail } : {}) });
    } else {
      this.#steps.push({ step, outcome: 'refused', at, code: 'INTERNAL_ERROR' });
    }
  }

  /** Writes what this request added. A store failure is logged, never turned into the user's error. */
  async flush(): Promise<void> {
    this.#span?.end();
    this.#span = undefined;
    const store = this.#options.store;
    if (!store || (this.#steps.length === 0 && this.#messages.length === 0)) return;
    const steps = this.#steps.splice(0);
    const messages = this.#messages.splice(0);
    try {
      await store.record({ reference: this.#reference, role: this.#options.role, flow: this.#options.flow, peer: this.#peer, steps, messages });
    } catch (err) {
      this.logger.warn({ code: err instanceof MellonError ? err.code : 'INTERNAL_ERROR' }, 'trace not stored');
    }
  }

  /** The request's span, started on first use as a child of whatever span is active (the app's HTTP span). */
  #requestSpan(): Span {
    if (!this.#span) {
      const { role, flow } = this.#options;
      const attributes: Attributes = { [A.role]: role, [A.flow]: flow, [A.trace]: this.#reference };
      if (this.#peer !== undefined) attributes[A.peer] = this.#peer;
      this.#span = telemetryTracer().startSpan(`koa-mellon ${role} ${flow}`, { attributes });
    }
    return this.#span;
  }

  #requestContext(): Context {
    return trace.setSpan(context.active(), this.#requestSpan());
  }

  #stepAttributes(step: string): Attributes {
    const attributes: Attributes = { [A.role]: this.#options.role, [A.flow]: this.#options.flow, [A.step]: step };
    if (this.#peer !== undefined) attributes[A.peer] = this.#peer;
    return attributes;
  }

  /** Logins and logouts are counted; a token refresh or a launch link is a span only (no login ended). */
  #count(attributes: Attributes): void {
    const { role, flow } = this.#options;
    if (flow !== 'login' && flow !== 'logout') return;
    const instruments = telemetryInstruments();
    (flow === 'login' ? instruments.logins : instruments.logouts).add(1, { [A.role]: role, ...attributes });
  }
}

/** A refused span: status ERROR with the code as its description and `error.type` (never the message: it may quote the wire). */
function markRefused(span: Span, err: unknown): void {
  const code = errorTypeOf(err);
  span.setAttribute(A.errorType, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

const TRACES = Symbol('koa-mellon flow traces');

/**
 * Keeps this request's trace on the context, where the role's error handler finds it (to record
 * the refusal and show the reference). Per role: the JWT bridge's hooks run inside the SP's ACS
 * request, and each role's handler must find its own trace.
 */
export function keepFlowTrace(ctx: KoaContext, trace: FlowTrace): FlowTrace {
  const state = ctx.state as Record<symbol, Map<TraceRecord['role'], FlowTrace> | undefined>;
  (state[TRACES] ??= new Map()).set(trace.role, trace);
  return trace;
}

/** The trace `role` started for this request, if any. */
export function flowTraceOf(ctx: KoaContext, role: TraceRecord['role']): FlowTrace | undefined {
  return (ctx.state as Record<symbol, Map<TraceRecord['role'], FlowTrace> | undefined>)[TRACES]?.get(role);
}

/** A logger that adds `trace: <reference>` to every line (pino's child-logger shape, without needing pino). */
export function traceLogger(logger: Logger, reference: () => string): Logger {
  return {
    debug: (obj, msg) => logger.debug({ ...obj, trace: reference() }, msg),
    info: (obj, msg) => logger.info({ ...obj, trace: reference() }, msg),
    warn: (obj, msg) => logger.warn({ ...obj, trace: reference() }, msg),
    error: (obj, msg) => logger.error({ ...obj, trace: reference() }, msg),
  };
}
