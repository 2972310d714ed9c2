import type { StateNamespace } from '../state/port.js';
import { normalizeTraceReference } from './reference.js';

/** One step of a flow, as the trace keeps it. */
export interface TraceStep {
  /** What was done: `AuthnRequest sent`, `response verified`, `ACS`, ... */
  readonly step: string;
  readonly outcome: 'ok' | 'refused';
  /** Epoch milliseconds. */
  readonly at: number;
  /** The MellonError code of a refusal. */
  readonly code?: string;
  /** The refusal's internal reason (MellonError message: never wire data). */
  readonly reason?: string;
  /** Expected vs received and the like (MellonError `detail`), for the operator. */
  readonly detail?: Readonly<Record<string, string>>;
}

/** A decoded SAML message, redacted as the trace's setting says. */
export interface TraceMessage {
  readonly name: string;
  readonly xml: string;
}

/** What the state store keeps of one login or logout. */
export interface TraceRecord {
  readonly reference: string;
  readonly role: 'sp' | 'idp' | 'jwt';
  /** `refresh` and `launch` are the JWT bridge's (a token refresh, a launch link made or redeemed). */
  readonly flow: 'login' | 'logout' | 'refresh' | 'launch';
  /** The peer's entityID, once known. */
  readonly peer?: string | undefined;
  readonly started: number;
  readonly updated: number;
  readonly outcome: 'pending' | 'ok' | 'refused';
  /** The code of the refusal that ended the flow. */
  readonly code?: string | undefined;
  readonly steps: readonly TraceStep[];
  readonly messages: readonly TraceMessage[];
}

/** A refusal as listed per peer: enough to pick the trace to open. */
export interface TraceFailure {
  readonly reference: string;
  readonly peer: string;
  readonly code: string;
  readonly at: number;
}

// Bounds per trace: a flow that loops (a browser bouncing between SP and IdP) cannot grow one.
const MAX_STEPS = 40;
const MAX_MESSAGES = 6;
const MAX_DETAIL_ENTRIES = 12;
const MAX_DETAIL_CHARS = 512;
const FAILURES_PER_PEER = 200;

export interface TraceStoreOptions {
  /** How long a trace lives, ms (default 7 days). */
  readonly ttlMs?: number;
  readonly clock?: () => number;
}

export const DEFAULT_TRACE_TTL_MS = 7 * 24 * 3600 * 1000;

/** Traces in one namespace of the state store; any instance reads what another wrote. */
export interface TraceStore {
  /** Merges a flow's new steps and messages into its record (created when absent). */
  record(update: TraceUpdate): Promise<void>;
  /** The trace for a reference as a user reads it out (`k7q2 9xma` works), or undefined. */
  read(reference: string): Promise<TraceRecord | undefined>;
  /** The latest refusals with this peer, newest first. */
  recentFailures(peer: string, limit?: number): Promise<TraceFailure[]>;
  /** The peers with refusals on record. */
  failingPeers(): Promise<string[]>;
}

export interface TraceUpdate {
  readonly reference: string;
  readonly role: TraceRecord['role'];
  readonly flow: TraceRecord['flow'];
  readonly peer?: string | undefined;
  readonly steps: readonly TraceStep[];
  readonly messages: readonly TraceMessage[];
}

export function createTraceStore(namespace: StateNamespace, options: TraceStoreOptions = {}): TraceStore {
  const ttlMs = options.ttlMs ?? DEFAULT_TRACE_TTL_MS;
  const clock = options.clock ?? Date.now;
  return {
    async record(update) {
      const now = clock();
      const previous = await namespace.get<TraceRecord>(`t:${update.reference}`);
      const steps = [...(previous?.steps ?? []), ...update.steps.map(boundStep)].slice(-MAX_STEPS);
      const last = steps.at(-1);
      const refused = update.steps.find((s) => s.outcome === 'refused');
      const record: TraceRecord = {
        reference: update.reference,
        role: update.role,
        flow: previous?.flow ?? update.flow,
        peer: update.peer ?? previous?.peer,
        started: previous?.started ?? update.steps[0]?.at ?? now,
        updated: now,
        outcome: refused ? 'refused' : last?.outcome === 'ok' ? 'ok' : 'pending',
        code: refused?.code ?? previous?.code,
        steps,
        messages: [...(previous?.messages ?? []), ...update.messages].slice(0, MAX_MESSAGES),
      };
      await namespace.set(`t:${update.reference}`, record, ttlMs);
      if (refused && record.peer !== undefined) {
        const failure: TraceFailure = { reference: record.reference, peer: record.peer, code: refused.code ?? 'UNKNOWN', at: refused.at };
        // A per-peer list and the list of peers: appends from every instance land (indexAdd).
        await namespace.indexAdd(`fail:${record.peer}`, JSON.stringify(failure), ttlMs);
        await namespace.indexAdd('peers', record.peer, ttlMs);
      }
    },
    async read(reference) {
      const normal = normalizeTraceReference(reference);
      return normal === undefined ? undefined : namespace.get<TraceRecord>(`t:${normal}`);
    },
    async recentFailures(peer, limit = 50) {
      const members = await namespace.indexMembers(`fail:${peer}`);
      const failures = members.map((m) => JSON.parse(m) as TraceFailure).sort((a, b) => b.at - a.at);
      // Keep the list bounded: the oldest beyond the cap are dropped as they are seen.
      for (const old of failures.slice(FAILURES_PER_PEER)) await namespace.indexRemove(`fail:${peer}`, JSON.stringify(old));
      return failures.slice(0, Math.min(limit, FAILURES_PER_PEER));
    },
    failingPeers: () => namespace.indexMembers('peers').then((peers) => peers.sort()),
  };
}

function boundStep(step: TraceStep): TraceStep {
  if (!step.detail) return step;
  const entries = Object.entries(step.detail).slice(0, MAX_DETAIL_ENTRIES);
  return { ...step, detail: Object.fromEntries(entries.map(([k, v]) => [k, v.length > MAX_DETAIL_CHARS ? `${v.slice(0, MAX_DETAIL_CHARS)}…` : v])) };
}
