import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import {
  MellonError,
  buildLogoutRequest,
  buildLogoutResponse,
  buildSoapEnvelope,
  buildSoapFault,
  exchangeSoap,
  parseLogoutResponse,
  parseSoapEnvelope,
  postSoap,
  serializeXml,
  signElement,
} from '@koa-mellon/saml';
import { testKeyPair } from '../../../../test/helpers/keys.js';

/** A SOAP peer on 127.0.0.1 whose answer `respond` writes. */
async function peer(respond: (res: ServerResponse) => void): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => respond(res));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap`, server };
}

async function rejection(promise: Promise<unknown>): Promise<MellonError> {
  const outcome = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!(outcome instanceof MellonError)) throw new Error(`expected a MellonError, got ${String(outcome)}`);
  return outcome;
}

describe('SOAP binding (saml-bindings §3.2)', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it('a peer that trickles its answer is cut off at the deadline (not only when idle)', async () => {
    let sent = 0;
    let url: string;
    ({ server, url } = await peer((res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      // One byte every 50 ms, never idle long enough for an idle timeout; at most 200 bytes.
      const timer = setInterval(() => {
        if (++sent >= 200 || res.destroyed) clearInterval(timer);
        else res.write(' ');
      }, 50);
      res.on('close', () => clearInterval(timer));
    }));
    const err = await rejection(postSoap(url, '<x/>', { timeoutMs: 300, maxBytes: 1024, errorCode: 'LOGOUT_FAILED' }));
    expect(err.code).to.equal('LOGOUT_FAILED');
    expect(sent).to.be.lessThan(200);
  });

  it('a refusal (non-200) is not read: the exchange fails with the caller’s code', async () => {
    let url: string;
    ({ server, url } = await peer((res) => {
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end(serializeXml(buildSoapFault('Client', 'SIGNATURE_MISSING')));
    }));
    const err = await rejection(postSoap(url, '<x/>', { timeoutMs: 2000, maxBytes: 1024 }));
    expect([err.code, err.message]).to.deep.equal(['ARTIFACT_RESOLUTION_FAILED', 'SOAP peer answered HTTP 403']);
  });

  it('plain http only to this machine: a metadata endpoint elsewhere needs https', async () => {
    const err = await rejection(postSoap('http://ars.example.test/soap', '<x/>', { timeoutMs: 2000, maxBytes: 1024, errorCode: 'LOGOUT_FAILED' }));
    expect([err.code, err.message]).to.deep.equal(['LOGOUT_FAILED', 'SOAP endpoint is plain http (https required, except on loopback)']);
  });

  it('an answer larger than maxBytes is refused', async () => {
    let url: string;
    ({ server, url } = await peer((res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('x'.repeat(4096));
    }));
    expect((await rejection(postSoap(url, '<x/>', { timeoutMs: 2000, maxBytes: 1024 }))).code).to.equal('INPUT_TOO_LARGE');
  });

  describe('exchangeSoap: our message signed, the answer verified with the peer’s keys only', () => {
    /** A peer answering a LogoutResponse, signed with `signer` (or not), to whatever it is sent. */
    async function answering(signer: 'peer' | 'intruder' | null): Promise<{ url: string }> {
      let url: string;
      ({ server, url } = await peer((res) => {
        const { document } = buildLogoutResponse({ issuer: 'https://peer.example.test', inResponseTo: '_req' });
        if (signer) signElement(document.documentElement, { privateKey: testKeyPair(signer === 'peer' ? 'soap-peer' : 'intruder').privateKey });
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(serializeXml(buildSoapEnvelope(document.documentElement)));
      }));
      return { url };
    }
    const request = () => buildLogoutRequest({ id: '_req', issuer: 'https://us.example.test', destination: 'https://peer.example.test/slo', nameId: { value: 'x' }, sessionIndexes: [] }).document;
    const options = (requireSignature: boolean) => ({ keys: [testKeyPair('soap-peer').publicKey], requireSignature, timeoutMs: 2000, maxBytes: 64 * 1024, errorCode: 'LOGOUT_FAILED' as const });

    it('returns the verified answer', async () => {
      const { url } = await answering('peer');
      const { message } = await exchangeSoap(url, request(), options(true));
      expect(parseLogoutResponse(message).inResponseTo).to.equal('_req');
    });

    it('refuses an unsigned answer when a signature is required, and one signed with another key always', async () => {
      let { url } = await answering(null);
      expect((await rejection(exchangeSoap(url, request(), options(true)))).code).to.equal('SIGNATURE_MISSING');
      expect((await exchangeSoap(url, request(), options(false))).message.localName).to.equal('LogoutResponse');
      server?.close();
      ({ url } = await answering('intruder'));
      expect((await rejection(exchangeSoap(url, request(), options(false)))).code).to.equal('SIGNATURE_INVALID');
    });
  });

  it('a SOAP fault carries its code in unqualified faultcode/faultstring, and is a SOAP envelope', () => {
    const xml = serializeXml(buildSoapFault('Server', 'STORE_UNAVAILABLE'));
    expect(xml).to.include('<soap:Fault><faultcode>soap:Server</faultcode><faultstring>STORE_UNAVAILABLE</faultstring></soap:Fault>');
    expect(() => parseSoapEnvelope(xml)).to.not.throw();
  });
});
