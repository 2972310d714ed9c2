// Metadata: parse, look up, generate, and the sources that keep it current (issue #4).
export type {
  Endpoint,
  IndexedEndpoint,
  KeyUse,
  MetadataKey,
  LocalizedString,
  Logo,
  UiInfo,
  Scope,
  Organization,
  ContactType,
  ContactPerson,
  SsoDescriptor,
  IdpSsoDescriptor,
  SpSsoDescriptor,
  EntityDescriptor,
  ParsedMetadata,
  SkippedEntity,
} from './types.js';
export { parseMetadata, DEFAULT_METADATA_MAX_BYTES, type ParseMetadataOptions } from './parse.js';
export { parseMetadataAsync, DEFAULT_METADATA_WORKER_THRESHOLD, type ParseMetadataAsyncOptions } from './parse-async.js';
export { getEntity, singleEntity, getIdpDescriptor, getSpDescriptor, isMetadataFresh, type LookupOptions } from './lookup.js';
export { findEndpoint, findDefaultEndpoint, findEndpointByIndex } from './endpoints.js';
export { parseDuration, formatDuration } from './values.js';
export type { CommonMetadataOptions, MetadataSigningOptions } from './generate/common.js';
export { generateSpMetadata, type SpMetadataOptions } from './generate/sp.js';
export { generateIdpMetadata, type IdpMetadataOptions } from './generate/idp.js';
export { createMetadataSource } from './sources/create.js';
export {
  GUARDED_METADATA_MAX_BYTES,
  type GuardConnect,
  type GuardLookup,
  type MetadataUrlGuardOptions,
} from './sources/url-guard.js';
export { metadataLogFields, type MetadataLogFields } from './sources/log-fields.js';
export {
  DEFAULT_METADATA_CACHE_TIME,
  DEFAULT_METADATA_HTTP_TIMEOUT,
  type MetadataSource,
  type MetadataSourceKind,
  type MetadataSourceOptions,
  type MetadataEvent,
} from './sources/types.js';
