/**
 * @koa-mellon/web: what more than one koa-mellon role (SP, IdP, and the coming JWT bridge and
 * organizations) shares: the state port and its three backends (memory, Redis, PostgreSQL), and the
 * Koa plumbing on the wire (bodies with limits and deadlines, sending a message by binding, SOAP
 * answers, error pages, safe `next`, PEM loading, plain-http refusal, client aborts).
 *
 * @example
 * import { createMemoryStore } from '@koa-mellon/web';
 * const state = createMemoryStore();
 * const requests = state.namespace('requests');
 * await requests.set(requestId, { next: '/' }, 10 * 60_000);
 */
export type { StateStore, StateNamespace, Lease, StateStoreOptions } from './state/port.js';
export { STATE_TIMEOUT_MS } from './state/port.js';
export { storeCall } from './state/backend.js';
export { MAX_MESSAGE_BYTES, MAX_TTL_MS } from './state/checks.js';
export { createMemoryStore, DEFAULT_MAX_ENTRIES, DEFAULT_SWEEP_INTERVAL_MS, type MemoryStoreOptions, type MemoryStateStore } from './state/memory.js';
export { createRedisStore, type RedisStoreOptions } from './state/redis.js';
export { SILENT_LOGGER, createStderrLogger, type Logger } from './log.js';
export { createPostgresStore, DEFAULT_PG_SWEEP_INTERVAL_MS, type PostgresStoreOptions } from './state/postgres.js';
export { migratePostgres, applyPostgresMigrations, STATE_MIGRATIONS, type PostgresMigration } from './state/postgres-migrate.js';
export type { PgPool, PgPoolClient, PgResult } from './state/postgres-pool.js';

// The Koa plumbing every role uses on the wire (no second copy of any web step).
export { readForm, readQuery, readBody, DEFAULT_BODY_TIMEOUT_SECONDS, type ReadBodyOptions } from './http/body.js';
export { sendSaml, signatureAlgorithmFor, type Outgoing } from './http/send.js';
export { isSoapRequest, sendSoapFault, sendSoapMessage, soapErrorStatus } from './http/soap.js';
export { safeNext } from './http/safe-next.js';
export { sendMetadata, SAML_METADATA_TYPE } from './http/metadata.js';
export { createTransportGuard } from './http/transport.js';
export { routerPrefix, type RoutesOptions } from './http/mount.js';
export { ClientAbortError, logUnexpected } from './http/client-abort.js';
export { httpStatusOf } from './pages/http-status.js';
export { readPem } from './keys.js';
// The pages a person sees: typed models, the app's own renderer (`pages.render`) or the built-in look.
export { validatePageSettings, pageTheme, contrastWithWhite, DEFAULT_ACCENT_COLOR, type PageSettings, type PageRenderer, type PageTheme } from './pages/page-settings.js';
export { pageDocument, type PageDocument } from './pages/layout.js';
export { sendPage, type SendPageOptions } from './pages/send-page.js';
export { choiceList, englishFirst, httpsLogo, type ChoiceItem, type PageLogo } from './pages/choices.js';
export { renderError, builtInErrorPage, type ErrorPage, type RenderErrorOptions } from './pages/error-page.js';
export { renderIdpChooser, builtInIdpChooser, type IdpChooserPage, type IdpChoice } from './pages/idp-chooser-page.js';
export {
  renderOrganizationPage,
  builtInOrganizationPage,
  type OrganizationPage,
  type OrganizationFormPage,
  type OrganizationChooserPage,
  type OrganizationChoice,
  type OrganizationFormNotice,
} from './pages/organization-pages.js';
export { createTraceReference, normalizeTraceReference } from './trace/reference.js';
export { redactSamlMessage, TRACE_REDACTIONS, type TraceRedaction } from './trace/redact.js';
export {
  createTraceStore,
  DEFAULT_TRACE_TTL_MS,
  type TraceStore,
  type TraceStoreOptions,
  type TraceRecord,
  type TraceStep,
  type TraceMessage,
  type TraceFailure,
  type TraceUpdate,
} from './trace/store.js';
export { FlowTrace, flowTraceOf, keepFlowTrace, traceLogger, type FlowTraceOptions } from './trace/flow-trace.js';
export { countMetadataEvent, TELEMETRY_SCOPE, TELEMETRY_METRICS, TELEMETRY_ATTRIBUTES } from './trace/telemetry.js';
export { TRACE_NAMESPACES, combineTraceReaders, readTraces, type TraceReader } from './trace/reader.js';
