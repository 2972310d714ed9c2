import type { Context } from 'koa';

const KEY = Symbol('koa-mellon continue URL');

interface ContinueHints {
  errorUrl?: string | undefined;
  next?: string | undefined;
}

/** Records what an error page should link to, as the request learns it (IdP, pending login). */
export function hintContinue(ctx: Context, hints: ContinueHints): void {
  const state = ctx.state as Record<symbol, ContinueHints | undefined>;
  state[KEY] = { ...state[KEY], ...hints };
}

/** django-mellon's order: the IdP's errorUrl, else the login's `next` (RelayState), else the fallback. */
export function continueUrl(ctx: Context, fallback: string): string {
  const hints = (ctx.state as Record<symbol, ContinueHints | undefined>)[KEY];
  return hints?.errorUrl ?? hints?.next ?? fallback;
}
