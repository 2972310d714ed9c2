import type { Context } from 'koa';
import { ConfigError, didYouMean } from '@koa-mellon/saml';

/**
 * Your own HTML for a page koa-mellon shows (`page.kind` says which; each kind is a typed model),
 * or `undefined` for the built-in page. `ctx` is the request: its language, your session, your
 * layout helpers. Every value in `page` may come from a user or a peer: escape it.
 */
export type PageRenderer<P> = (page: P, ctx: Context) => string | undefined | Promise<string | undefined>;

/** The `pages` setting of every role: the built-in pages' look, or your own pages. */
export interface PageSettings<P = never> {
  /** Your application's name: in the built-in pages' header and titles. */
  readonly appName?: string | undefined;
  /** `#rrggbb` (or `#rgb`): buttons, links and the focus ring. Needs 4.5:1 contrast with white (WCAG 2.2 AA). Default `#0b3d91`. */
  readonly accentColor?: string | undefined;
  /** Renders the pages yourself (any kind you do not handle falls back to the built-in page). */
  readonly render?: PageRenderer<P> | undefined;
}

/** What the built-in pages are drawn with. */
export interface PageTheme {
  readonly appName: string | undefined;
  readonly accentColor: string;
}

export const DEFAULT_ACCENT_COLOR = '#0b3d91';
/** WCAG 2.2 AA for normal text: the accent carries white button text and is link text on white. */
const MIN_CONTRAST = 4.5;
const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i;
const KEYS = ['appName', 'accentColor', 'render'];

/** The theme of the built-in pages; a colour that is not a hex colour (settings not validated) is never put in the stylesheet. */
export function pageTheme(settings: Pick<PageSettings, 'appName' | 'accentColor'> | undefined): PageTheme {
  const accent = settings?.accentColor;
  return { appName: settings?.appName, accentColor: accent !== undefined && HEX_COLOR.test(accent) ? accent : DEFAULT_ACCENT_COLOR };
}

/** Checks a `pages` setting; every mistake is a ConfigError naming `path.key` (all of them in `problems`). */
export function validatePageSettings(value: unknown, path = 'pages'): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(path, 'expected { appName, accentColor, render }');
  const problems: ConfigError[] = [];
  const settings = value as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!KEYS.includes(key)) problems.push(new ConfigError(`${path}.${key}`, `unknown setting${didYouMean(key, KEYS)}`));
  }
  const { appName, accentColor, render } = settings;
  if (appName !== undefined && (typeof appName !== 'string' || appName.trim() === '' || appName.length > 80)) {
    problems.push(new ConfigError(`${path}.appName`, 'expected a name of 1 to 80 characters'));
  }
  if (accentColor !== undefined) {
    if (typeof accentColor !== 'string' || !HEX_COLOR.test(accentColor)) {
      problems.push(new ConfigError(`${path}.accentColor`, 'expected a colour as #rrggbb or #rgb'));
    } else {
      const ratio = contrastWithWhite(accentColor);
      if (ratio < MIN_CONTRAST) {
        problems.push(new ConfigError(`${path}.accentColor`, `${accentColor} has a contrast of ${ratio.toFixed(1)}:1 with white; the pages need at least ${MIN_CONTRAST}:1 (WCAG 2.2 AA): pick a darker colour`));
      }
    }
  }
  if (render !== undefined && typeof render !== 'function') problems.push(new ConfigError(`${path}.render`, 'expected a function (page, ctx) => HTML or undefined'));
  if (problems.length > 0) throw ConfigError.of(problems);
}

/** WCAG 2.2 contrast ratio of a #rgb / #rrggbb colour against white. */
export function contrastWithWhite(color: string): number {
  const hex = color.length === 4 ? [...color.slice(1)].map((c) => c + c).join('') : color.slice(1);
  const channel = (i: number) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4);
  return 1.05 / (luminance + 0.05);
}
