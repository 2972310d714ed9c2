import type Koa from 'koa';
import { createTraceAdmin, type Mellon } from 'koa-mellon';

/**
 * The trace admin API under /admin/traces/, for the app's own administrators only: the app decides
 * who that is (here: a superuser logged in through koa-mellon). Without `authorize`, every request
 * is refused.
 */
export function mountTraceAdmin(app: Koa, mellon: Mellon): void {
  if (!mellon.traces) return; // traces: false
  app.use(createTraceAdmin({ traces: mellon.traces, prefix: '/admin/traces', authorize: (ctx) => ctx.state.user?.isSuperuser === true }));
}
