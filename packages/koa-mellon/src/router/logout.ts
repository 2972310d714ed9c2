import type { Context } from 'koa';
import {
  BINDING,
  MellonError,
  buildLogoutRequest,
  checkDestination,
  buildLogoutResponse,
  decodePostParameter,
  decodeRedirect,
  fail,
  findEndpoint,
  findSignature,
  parseLogoutRequest,
  parseLogoutResponse,
  parseSoapEnvelope,
  parseXml,
  readMessageHeader,
  signElement,
  verifyEnvelopedSignature,
  verifyRedirectSignature,
  type EntityDescriptor,
  type IdpSsoDescriptor,
  type LogoutRequest,
  type StatusInput,
  type ParsedXml,
  type RedirectMessage,
} from '@koa-mellon/saml';
import type { ResolvedIdp, Runtime } from '../runtime.js';
import type { MellonSession } from '../session/sessions.js';
import { LOGIN_TTL_MS } from './login.js';
import { logDecoded } from './debug-log.js';
import { spTraceOf, startFlowTrace } from './flow-trace.js';
import { readBody, readForm, readQuery, isSoapRequest, sendSoapFault, sendSoapMessage, soapErrorStatus, safeNext, sendSaml, signatureAlgorithmFor, logUnexpected } from '@koa-mellon/web';

interface PendingLogout {
  readonly idp: number;
  readonly next: string;
  /** The logout's trace reference, when it started at logout/. */
  readonly trace?: string | undefined;
}

interface Received {
  readonly kind: 'LogoutRequest' | 'LogoutResponse';
  readonly parsed: ParsedXml;
  readonly relayState?: string | undefined;
  readonly redirect?: RedirectMessage | undefined;
  readonly soap?: boolean | undefined;
}

interface Peer {
  readonly idp: ResolvedIdp;
  readonly entity: EntityDescriptor;
  readonly descriptor: IdpSsoDescriptor;
}

/**
 * GET|POST logout/ (saml-profiles §4.4): without a SAML message, the user logs out here (and at the
 * IdP when it has a SingleLogoutService); with one, it is the IdP's LogoutRequest or its answer to ours.
 */
export async function logout(ctx: Context, rt: Runtime): Promise<void> {
  if (isSoapRequest(ctx)) return soapLogout(ctx, rt);
  const trace = startFlowTrace(ctx, rt, 'logout');
  // This request's log lines carry the trace reference (the runtime's functions are closures, not methods on `this`).
  const traced: Runtime = { ...rt, logger: trace.logger };
  const query = readQuery(ctx);
  const form = ctx.method === 'POST' ? await readForm(ctx, rt.maxMessageBytes, { timeoutMs: rt.bodyTimeoutMs }) : new Map<string, string>();
  const carriesMessage = ['SAMLRequest', 'SAMLResponse'].some((name) => query.has(name) || form.has(name));
  if (!carriesMessage) {
    await trace.run('SP-initiated logout', () => startLogout(ctx, traced, safeNext(query.get('next'), rt.settings.loginRedirectUrl ?? '/')));
    return trace.flush();
  }
  const message = receive(ctx, traced, form);
  let peer: Peer | undefined;
  await trace.run(`${message.kind}: choose the IdP by Issuer and verify its signature`, async () => {
    peer = await peerOf(rt, message);
    trace.peer(peer.entity.entityId);
    verifySigned(peer, message);
  });
  const verified = peer as Peer; // set by the step above, which threw otherwise
  if (message.kind === 'LogoutRequest') await trace.run('end the federated sessions and answer', () => answerLogoutRequest(ctx, traced, verified, message));
  else await trace.run('finish our logout', () => finishLogout(ctx, traced, verified, message));
  trace.complete();
  await trace.flush();
}

function receive(ctx: Context, rt: Runtime, form: Map<string, string>): Received {
  const maxBytes = rt.maxMessageBytes;
  if (ctx.method === 'GET') {
    const redirect = decodeRedirect(ctx.querystring, { maxBytes });
    const kind = redirect.parameter === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse';
    logDecoded(rt, kind, redirect.xml);
    spTraceOf(ctx)?.message(kind, redirect.xml);
    return { kind, parsed: parseXml(redirect.xml, { maxBytes }), relayState: redirect.relayState, redirect };
  }
  const parameter = form.has('SAMLRequest') ? 'SAMLRequest' : 'SAMLResponse';
  const kind = parameter === 'SAMLRequest' ? 'LogoutRequest' : 'LogoutResponse';
  const xml = decodePostParameter(form.get(parameter), { maxBytes });
  logDecoded(rt, kind, xml);
  spTraceOf(ctx)?.message(kind, xml);
  return { kind, parsed: parseXml(xml, { maxBytes }), relayState: form.get('RelayState') };
}

/** The configured IdP named by the Issuer: only its metadata keys will be tried. */
async function peerOf(rt: Runtime, message: Received): Promise<Peer> {
  const issuer = readMessageHeader(message.parsed.root, message.kind).issuer;
  if (issuer === undefined) fail('ISSUER_MISMATCH', 'logout message without Issuer');
  for (const idp of rt.idps) {
    const { entity, descriptor } = await rt.metadataOf(idp);
    if (entity.entityId === issuer) return { idp, entity, descriptor };
  }
  fail('ISSUER_MISMATCH', 'logout message from an IdP that is not configured');
}

/** saml-profiles §4.4.3.1, §4.4.4.1: logout messages must be signed; unsigned ones are refused. */
function verifySigned(peer: Peer, message: Received): void {
  const keys = peer.descriptor.signingKeys;
  if (message.redirect) {
    verifyRedirectSignature(message.redirect, keys, peer.idp.policy);
    return;
  }
  const root = message.parsed.root;
  const signature = findSignature(root);
  if (!signature) fail('SIGNATURE_MISSING', 'logout message is not signed');
  verifyEnvelopedSignature(root, signature, { keys, ids: message.parsed.ids, policy: peer.idp.policy });
}

/**
 * Destination is our logout URL (the ACS's check, the one copy): required on the front channel,
 * where every logout message is signed (saml-bindings §3.4.5.2, §3.5.5.2: a signed message must
 * carry it, or a message signed for another SP could be replayed here); optional over SOAP, where
 * no browser carries the message and the binding does not demand it.
 */
function checkLogoutDestination(rt: Runtime, message: Received): void {
  checkDestination(message.parsed.root, !message.soap, rt.urls.logout);
}

/** A verified LogoutRequest: end every local session of that NameID (on any instance sharing the store). */
async function endFederatedSessions(rt: Runtime, peer: Peer, message: Received): Promise<LogoutRequest> {
  const { idp, entity } = peer;
  const request = parseLogoutRequest(message.parsed.root, { keys: idp.keys.decryptionKeys, policy: idp.policy, limits: { maxBytes: rt.maxMessageBytes } });
  checkLogoutDestination(rt, message);
  const now = rt.clock();
  const skew = idp.settings.clockSkew * 1000;
  if (request.notOnOrAfter && now - skew >= request.notOnOrAfter.getTime()) fail('ASSERTION_EXPIRED', 'LogoutRequest expired');
  // NotOnOrAfter is optional: IssueInstant bounds the age, and each request ID is acted on once.
  const issued = request.issueInstant.getTime();
  if (issued > now + skew) fail('ASSERTION_NOT_YET_VALID', 'LogoutRequest issued in the future');
  if (issued < now - skew - LOGIN_TTL_MS) fail('ASSERTION_EXPIRED', 'LogoutRequest too old');
  if (!(await rt.stores.replay.setIfAbsent(`lq:${JSON.stringify([entity.entityId, request.id])}`, 1, LOGIN_TTL_MS + 2 * skew))) fail('REPLAYED_ASSERTION', 'LogoutRequest ID already seen');
  const ended = await rt.sessions.destroyFederated(entity.entityId, request.nameId.value, request.sessionIndexes);
  await rt.settings.hooks?.federatedLogout?.({ issuer: entity.entityId, nameId: request.nameId.value, sessionIndexes: request.sessionIndexes });
  rt.logger.info({ idp: entity.entityId, sessionsEnded: ended, binding: message.soap ? 'soap' : 'front-channel' }, 'koa-mellon: IdP-initiated logout');
  return request;
}

/** IdP-initiated through the browser: end the sessions (this browser's too), answer on the front channel. */
async function answerLogoutRequest(ctx: Context, rt: Runtime, peer: Peer, message: Received): Promise<void> {
  const { idp, entity, descriptor } = peer;
  const request = await endFederatedSessions(rt, peer, message);
  const current = await rt.sessions.load(ctx);
  if (current && current.record.mellon.issuer === entity.entityId && current.record.mellon.nameIdContent === request.nameId.value) await rt.sessions.destroy(ctx);
  // Answer on the binding the request came in on when the IdP offers it (Lasso insists), else any.
  const preferred = message.redirect ? [BINDING.redirect, BINDING.post] : [BINDING.post, BINDING.redirect];
  const endpoint = findEndpoint(descriptor.singleLogoutServices, preferred);
  if (!endpoint) fail('METADATA_INVALID', 'IdP sent a LogoutRequest but has no SingleLogoutService');
  const { document } = buildLogoutResponse({ issuer: rt.urls.entityId, destination: endpoint.responseLocation ?? endpoint.location, inResponseTo: request.id, clock: rt.clock });
  const signingKey = idp.keys.signingKey;
  sendSaml(ctx, { endpoint, parameter: 'SAMLResponse', document, relayState: message.relayState, signingKey, signatureAlgorithm: signatureAlgorithmFor(signingKey, idp.settings.signatureMethod), isResponse: true });
}

/** The IdP's answer to our LogoutRequest: it must answer one we sent it, once. */
async function finishLogout(ctx: Context, rt: Runtime, peer: Peer, message: Received): Promise<void> {
  const response = parseLogoutResponse(message.parsed.root);
  checkLogoutDestination(rt, message);
  const pending = response.inResponseTo === undefined ? undefined : await rt.stores.requests.take<PendingLogout>(`lo:${response.inResponseTo}`);
  spTraceOf(ctx)?.adopt(pending?.trace);
  if (!pending || pending.idp !== peer.idp.index) fail('IN_RESPONSE_TO_MISMATCH', 'LogoutResponse to a request we did not send');
  if (!response.success) rt.logger.warn({ idp: peer.entity.entityId, status: response.statusCodes }, 'koa-mellon: IdP reported a partial logout');
  else rt.logger.info({ idp: peer.entity.entityId }, 'koa-mellon: logout complete');
  ctx.redirect(pending.next);
}

/**
 * SP-initiated: the local session ends at once; the IdP is told when it has an SLO endpoint. With
 * `saved` (a session kept elsewhere, e.g. a JWT family), that one is logged out instead.
 */
export async function startLogout(ctx: Context, rt: Runtime, next: string, saved?: MellonSession): Promise<void> {
  const record = saved ? { mellon: saved } : await rt.sessions.destroy(ctx);
  if (!record) return ctx.redirect(next);
  let peer: Peer | undefined;
  for (const idp of rt.idps) {
    const { entity, descriptor } = await rt.metadataOf(idp);
    if (entity.entityId === record.mellon.issuer) peer = { idp, entity, descriptor };
  }
  const endpoint = peer && findEndpoint(peer.descriptor.singleLogoutServices, [BINDING.redirect, BINDING.post]);
  const { mellon } = record;
  // A LogoutRequest must name the user by NameID (saml-core §3.7.1): a session logged in without
  // one (docs/logout.md) ends here only.
  if (!peer || !endpoint || mellon.nameIdContent === undefined) {
    spTraceOf(ctx)?.complete();
    return ctx.redirect(next);
  }
  const { id, document } = buildLogoutRequest({
    issuer: rt.urls.entityId,
    destination: endpoint.location,
    nameId: { value: mellon.nameIdContent, format: mellon.nameIdFormat, nameQualifier: mellon.nameIdNameQualifier, spNameQualifier: mellon.nameIdSpNameQualifier },
    sessionIndexes: mellon.sessionIndex === undefined ? [] : [mellon.sessionIndex],
    clock: rt.clock,
  });
  const trace = spTraceOf(ctx);
  trace?.peer(peer.entity.entityId);
  const pending: PendingLogout = { idp: peer.idp.index, next, trace: trace?.reference };
  await rt.stores.requests.setIfAbsent(`lo:${id}`, pending, LOGIN_TTL_MS);
  rt.logger.info({ idp: peer.entity.entityId, requestId: id }, 'koa-mellon: LogoutRequest sent');
  const signingKey = peer.idp.keys.signingKey;
  sendSaml(ctx, { endpoint, parameter: 'SAMLRequest', document, signingKey, signatureAlgorithm: signatureAlgorithmFor(signingKey, peer.idp.settings.signatureMethod) });
}

/**
 * POST logout/ with a SOAP envelope (saml-bindings §3.2, saml-profiles §4.4.3.4, when `soapLogout`
 * is on): the IdP's signed LogoutRequest over the back-channel, answered in the HTTP response by
 * our signed LogoutResponse. Before the IdP is verified, refusals are SOAP faults (soap-reply.ts);
 * after, a LogoutResponse with an error status (saml-bindings §3.2.3.3).
 */
async function soapLogout(ctx: Context, untraced: Runtime): Promise<void> {
  // Its own logout trace: no page to show the reference on, but every log line carries it.
  const trace = startFlowTrace(ctx, untraced, 'logout');
  const rt: Runtime = { ...untraced, logger: trace.logger };
  let verified: { peer: Peer; requestId: string } | undefined;
  try {
    let message: Received | undefined;
    await trace.run('SOAP LogoutRequest: read the envelope (soapLogout on)', async () => {
      if (!rt.settings.soapLogout) fail('BINDING_INVALID', 'SOAP logout is off (soapLogout)');
      const text = await readBody(ctx, rt.maxMessageBytes, { timeoutMs: rt.bodyTimeoutMs });
      logDecoded(rt, 'LogoutRequest', text);
      trace.message('LogoutRequest (SOAP)', text);
      const { parsed, message: root } = parseSoapEnvelope(text, { maxBytes: rt.maxMessageBytes });
      // The LogoutRequest inside the envelope is what is verified and read; its ID index is the document's.
      message = { kind: 'LogoutRequest', parsed: { ...parsed, root }, soap: true };
    });
    const received = message as Received; // set by the step above, which threw otherwise
    await trace.run('LogoutRequest: choose the IdP by Issuer and verify its signature', async () => {
      const peer = await peerOf(rt, received);
      trace.peer(peer.entity.entityId);
      verifySigned(peer, received);
      verified = { peer, requestId: readMessageHeader(received.parsed.root, 'LogoutRequest').id };
    });
    const { peer, requestId } = verified as { peer: Peer; requestId: string }; // set by the step above
    await trace.run('end the federated sessions and answer over SOAP', async () => {
      await endFederatedSessions(rt, peer, received);
      answerSoapLogout(ctx, rt, peer, requestId, undefined);
    });
    await trace.flush();
  } catch (err) {
    trace.refuse(err);
    await trace.flush();
    const code = err instanceof MellonError ? err.code : 'INTERNAL_ERROR';
    if (err instanceof MellonError) rt.logger.warn({ code, reason: err.message }, 'koa-mellon: SOAP LogoutRequest refused');
    else if (logUnexpected(rt.logger, err, 'koa-mellon')) return;
    if (!verified) return sendSoapFault(ctx, code);
    answerSoapLogout(ctx, rt, verified.peer, verified.requestId, soapErrorStatus(code));
  }
}

/** Our signed LogoutResponse in the SOAP answer: Success, or the error status given. */
function answerSoapLogout(ctx: Context, rt: Runtime, peer: Peer, requestId: string, status: StatusInput | undefined): void {
  const { document } = buildLogoutResponse({ issuer: rt.urls.entityId, inResponseTo: requestId, status, clock: rt.clock });
  const signingKey = peer.idp.keys.signingKey;
  if (signingKey) signElement(document.documentElement, { privateKey: signingKey, signatureAlgorithm: signatureAlgorithmFor(signingKey, peer.idp.settings.signatureMethod) });
  sendSoapMessage(ctx, document);
}
