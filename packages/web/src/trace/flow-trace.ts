import { MellonError } from '@koa-mellon/saml';
import type { Logger } from '../log.js';
import { createTraceReference } from './reference.js';
import { redactSamlMessage, type TraceRedaction } from './redact.js';
import type { TraceMessage, TraceRecord, TraceStep, TraceStore } from './store.js';

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
 */
export class FlowTrace {
  #reference: string;
  #peer: string | undefined;
  readonly #steps: TraceStep[] = [];
  readonly #messages: TraceMessage[] = [];
  readonly #options: FlowTraceOptions;
  #current: string | undefined;
  #refused = false;
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

  /** Joins a flow started earlier (its reference was kept with the pending request). */
  adopt(reference: string | undefined): void {
    if (reference !== undefined) this.#reference = reference;
  }

  /** The peer's entityID, once chosen from configuration. */
  peer(entityId: string): void {
    this.#peer = entityId;
  }

  step(step: string): void {
    this.#steps.push({ step, outcome: 'ok', at: this.#options.clock() });
  }

  /** Runs one named step: recorded as done when it returns; a refusal names it (`refuse`). */
  async run(step: string, work: () => Promise<void>): Promise<void> {
    this.#current = step;
    await work();
    this.#current = undefined;
    this.step(step);
  }

  /** A decoded SAML message, redacted before it is kept in memory. */
  message(name: string, xml: string): void {
    if (this.#options.store) this.#messages.push({ name, xml: redactSamlMessage(xml, this.#options.redaction) });
  }

  /** The refusal that ends this request (once): code, internal reason, the operator's detail, in the step that was running. */
  refuse(err: unknown): void {
    if (this.#refused) return;
    this.#refused = true;
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
