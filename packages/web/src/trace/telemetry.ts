import { metrics, trace, type Attributes, type Counter, type Histogram, type Meter, type Tracer } from '@opentelemetry/api';
import { MellonError, type MetadataEvent } from '@koa-mellon/saml';

/** The tracer and meter name every koa-mellon role reports under. */
export const TELEMETRY_SCOPE = 'koa-mellon';

/**
 * The metrics koa-mellon records (docs/telemetry.md). Their attributes are low-cardinality and
 * never personal: role, flow, step, outcome, `error.type` (a MellonError code).
 */
export const TELEMETRY_METRICS = {
  /** Logins that ended: `outcome` ok or refused, `error.type` the refusal's code. Unit `{login}`. */
  logins: 'koa_mellon.logins',
  /** Logouts that ended, as logins. Unit `{logout}`. */
  logouts: 'koa_mellon.logouts',
  /** Background checks of a metadata source: `outcome` ok or failed, `error.type` on failure. Unit `{refresh}`. */
  metadataRefreshes: 'koa_mellon.metadata.refreshes',
  /** How long each protocol step of a flow took. Unit `ms`. */
  stepDuration: 'koa_mellon.step.duration',
} as const;

/** Span attribute names (also the metric attribute names they share). */
export const TELEMETRY_ATTRIBUTES = {
  role: 'koa_mellon.role',
  flow: 'koa_mellon.flow',
  step: 'koa_mellon.step',
  peer: 'koa_mellon.peer',
  trace: 'koa_mellon.trace',
  outcome: 'koa_mellon.outcome',
  /** OpenTelemetry's semantic convention for an error's class: here the MellonError code. */
  errorType: 'error.type',
} as const;

interface Instruments {
  readonly logins: Counter;
  readonly logouts: Counter;
  readonly metadataRefreshes: Counter;
  readonly stepDuration: Histogram;
}

// A cache, not configuration: the global MeterProvider hands back one Meter per name, and creating
// the instruments once per Meter keeps the per-request cost to a lookup. Keyed weakly, so an app
// (or a test) that installs another SDK gets fresh instruments on its own Meter.
const instrumentsOf = new WeakMap<Meter, Instruments>();

/** The tracer of the SDK the app installed, or OpenTelemetry's no-op one. */
export function telemetryTracer(): Tracer {
  return trace.getTracer(TELEMETRY_SCOPE);
}

/** The instruments on the meter of the SDK the app installed (no-ops without one). */
export function telemetryInstruments(): Instruments {
  const meter = metrics.getMeter(TELEMETRY_SCOPE);
  let instruments = instrumentsOf.get(meter);
  if (!instruments) {
    instruments = {
      logins: meter.createCounter(TELEMETRY_METRICS.logins, { unit: '{login}', description: 'Logins that ended, by outcome and refusal code' }),
      logouts: meter.createCounter(TELEMETRY_METRICS.logouts, { unit: '{logout}', description: 'Logouts that ended, by outcome and refusal code' }),
      metadataRefreshes: meter.createCounter(TELEMETRY_METRICS.metadataRefreshes, { unit: '{refresh}', description: 'Metadata source checks, by outcome and failure code' }),
      stepDuration: meter.createHistogram(TELEMETRY_METRICS.stepDuration, { unit: 'ms', description: 'Duration of each protocol step of a login or logout' }),
    };
    instrumentsOf.set(meter, instruments);
  }
  return instruments;
}

/** The MellonError code of a refusal (`INTERNAL_ERROR` for anything else): never its message. */
export function errorTypeOf(err: unknown): string {
  return err instanceof MellonError ? err.code : 'INTERNAL_ERROR';
}

/**
 * Counts a metadata source's refresh (`refreshed`) or failed refresh (`refresh-failed`); other
 * events are not refreshes. The SAML core stays free of OpenTelemetry: each role calls this from
 * its source's `onEvent`.
 */
export function countMetadataEvent(role: 'sp' | 'idp' | 'jwt', event: MetadataEvent): void {
  if (event.type !== 'refreshed' && event.type !== 'refresh-failed') return;
  const attributes: Attributes = { [TELEMETRY_ATTRIBUTES.role]: role, [TELEMETRY_ATTRIBUTES.outcome]: event.type === 'refreshed' ? 'ok' : 'failed' };
  if (event.type === 'refresh-failed') attributes[TELEMETRY_ATTRIBUTES.errorType] = event.error.code;
  telemetryInstruments().metadataRefreshes.add(1, attributes);
}
