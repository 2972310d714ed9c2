/**
 * The adapter chain (django-mellon's adapters), the DefaultAdapter, its template language and the
 * default user store on the state store. docs/adapters.md explains each.
 */
export {
  PermissionDenied,
  type Adapter,
  type AdapterSpec,
  type IdpContext,
  type IdpSettings,
  type LookupByAttributeRule,
  type MellonAttributes,
  type User,
  type UserStore,
} from './types.js';
export { createAdapterChain, runAdapterChain, type AdapterChain } from './chain.js';
export { DefaultAdapter, USERNAME_MAX_LENGTH } from './default-adapter.js';
export { DEFAULT_ATTRIBUTE_CLAIMS, DEFAULT_ATTRIBUTE_MAPPING, DEFAULT_GROUP_ATTRIBUTES, mappingWithDefaults } from './attribute-mapping-defaults.js';
export { federationIdentity, type FederationIdentity } from './federation.js';
export { AMBIGUOUS_ACCOUNT_MESSAGE, INACTIVE_ACCOUNT_MESSAGE, NO_ACCOUNT_MESSAGE, USERNAME_TAKEN_MESSAGE } from './messages.js';
export {
  formatTemplate,
  parseTemplate,
  TemplateError,
  type CompiledTemplate,
  type FormatFailure,
  type FormatResult,
  type TemplateErrorReason,
  type TemplateField,
  type TemplateRoot,
  type TemplateSegment,
  type TemplateValues,
} from './username-template.js';
export { createStateUserStore } from '../users/state-user-store.js';
export { UsernameTakenError } from '../users/errors.js';
