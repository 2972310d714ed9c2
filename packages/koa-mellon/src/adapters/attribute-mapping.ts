import { formatTemplate, type CompiledTemplate, type TemplateValues } from './username-template.js';
import type { User } from './types.js';

/**
 * django-mellon's ATTRIBUTE_MAPPING: each user field gets its template filled from the assertion.
 * A list of templates is tried in order and the first that can be filled wins (`mail`, else
 * `{attributes[name_id_content]}`); when none can, the field is left as it is, as django-mellon
 * does after logging the KeyError.
 * @returns whether a field changed (the caller saves once).
 */
export function provisionAttributes(
  user: User,
  mapping: Readonly<Record<string, string | readonly string[]>>,
  values: TemplateValues,
  compile: (template: string) => CompiledTemplate,
): boolean {
  let changed = false;
  for (const [field, spec] of Object.entries(mapping)) {
    const templates = typeof spec === 'string' ? [spec] : spec;
    for (const template of templates) {
      const result = formatTemplate(compile(template), values);
      if (!result.ok) continue;
      const current = Object.hasOwn(user.fields, field) ? user.fields[field] : undefined;
      if (current !== result.value) {
        // defineProperty: a field named `__proto__` stays a plain field, never a prototype change.
        Object.defineProperty(user.fields, field, { value: result.value, writable: true, enumerable: true, configurable: true });
        changed = true;
      }
      break;
    }
  }
  return changed;
}
