import { NS } from '../constants/urn.js';
import { attribute, elementChildren, isElement, optionalChild } from '../xml/select.js';
import { textOf } from '../xml/text.js';
import type { LocalizedString, Logo, Scope, UiInfo } from './types.js';

/**
 * Informational content: mdui:UIInfo and shibmd:Scope inside `<md:Extensions>`. Unknown extension
 * elements are skipped (saml-metadata §2.3.1: Extensions holds elements of other namespaces). A
 * malformed display value (a Logo without size, a `javascript:` URL) is dropped rather than
 * failing the document: it must not take a whole federation aggregate down.
 */

/** The `<md:Extensions>` child of `el`, if any. */
export function extensionsOf(el: Element): Element[] {
  const extensions = optionalChild(el, 'md', 'Extensions');
  return extensions ? elementChildren(extensions) : [];
}

/** mdui:UIInfo (saml-metadata-ui §2.1) among `extensions`; the first one counts. */
export function readUiInfo(extensions: readonly Element[]): UiInfo | undefined {
  const info = extensions.find((el) => isElement(el, 'mdui', 'UIInfo'));
  if (!info) return undefined;
  const ui: { [K in keyof UiInfo]: Array<UiInfo[K][number]> } = {
    displayNames: [],
    descriptions: [],
    logos: [],
    informationUrls: [],
    privacyStatementUrls: [],
  };
  for (const child of elementChildren(info)) {
    if (child.namespaceURI !== NS.mdui) continue;
    const value = textOf(child).trim();
    if (value === '') continue;
    switch (child.localName) {
      case 'DisplayName':
        ui.displayNames.push(localized(child, value));
        break;
      case 'Description':
        ui.descriptions.push(localized(child, value));
        break;
      case 'InformationURL':
        if (isWebUrl(value)) ui.informationUrls.push(localized(child, value));
        break;
      case 'PrivacyStatementURL':
        if (isWebUrl(value)) ui.privacyStatementUrls.push(localized(child, value));
        break;
      case 'Logo': {
        const logo = readLogo(child, value);
        if (logo) ui.logos.push(logo);
        break;
      }
    }
  }
  return ui;
}

/** shibmd:Scope elements among `extensions` (Shibboleth metadata profile). */
export function readScopes(extensions: readonly Element[]): Scope[] {
  const scopes: Scope[] = [];
  for (const el of extensions) {
    if (!isElement(el, 'shibmd', 'Scope')) continue;
    const value = textOf(el).trim();
    const regexp = attribute(el, 'regexp')?.trim();
    if (value !== '') scopes.push({ value, regexp: regexp === 'true' || regexp === '1' });
  }
  return scopes;
}

/** A value and its xml:lang (required by the schema; an absent one reads as ''). */
export function localized(el: Element, value: string): LocalizedString {
  return { lang: el.getAttributeNS(NS.xml, 'lang') ?? '', value };
}

// saml-metadata-ui §2.1.6: width and height are required; the URL may be a data: image.
function readLogo(el: Element, url: string): Logo | undefined {
  const width = Number(attribute(el, 'width'));
  const height = Number(attribute(el, 'height'));
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) return undefined;
  if (!isWebUrl(url) && !/^data:image\/[a-z0-9.+-]+[;,]/i.test(url)) return undefined;
  const lang = el.getAttributeNS(NS.xml, 'lang');
  return { url, width, height, ...(lang ? { lang } : {}) };
}

/** True for an absolute http(s) URL: the only kind shown to users as a link. */
export function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
