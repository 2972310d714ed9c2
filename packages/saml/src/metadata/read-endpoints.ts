import { fail } from '../errors.js';
import { attribute, childrenNamed } from '../xml/select.js';
import type { Endpoint, IndexedEndpoint } from './types.js';
import { checkUrl, readOptionalBoolean, readRequired, readUnsignedShort, readUrl } from './values.js';

/** Every `<md:{local}>` EndpointType child of `role`, in document order (saml-metadata §2.2.2). */
export function readEndpoints(role: Element, local: string): Endpoint[] {
  return childrenNamed(role, 'md', local).map(readEndpoint);
}

/**
 * Every `<md:{local}>` IndexedEndpointType child of `role` (saml-metadata §2.2.3). Two endpoints
 * with one index are refused: a request naming that index would be ambiguous.
 */
export function readIndexedEndpoints(role: Element, local: string): IndexedEndpoint[] {
  const seen = new Set<number>();
  return childrenNamed(role, 'md', local).map((el) => {
    const index = readUnsignedShort(el, 'index');
    if (seen.has(index)) fail('METADATA_INVALID', `two <${local}> with index ${index}`);
    seen.add(index);
    const isDefault = readOptionalBoolean(el, 'isDefault');
    return { ...readEndpoint(el), index, ...(isDefault === undefined ? {} : { isDefault }) };
  });
}

function readEndpoint(el: Element): Endpoint {
  const binding = readRequired(el, 'Binding');
  const location = readUrl(el, 'Location');
  const responseLocation = attribute(el, 'ResponseLocation');
  if (responseLocation === undefined) return { binding, location };
  return { binding, location, responseLocation: checkUrl(responseLocation, `<${el.localName}> @ResponseLocation`) };
}
