#!/usr/bin/python3
"""A Lasso SP that does what mod_auth_mellon 0.18 does with Lasso, for koa-mellon's IdP.

Usage: lasso_sp.py CONFIG_JSON
  CONFIG_JSON: {"entityId", "endpoint": the MellonEndpointPath URL, "key", "cert", "idpMetadata": FILE}
It prints one JSON line {"ready": true, "metadata": <SP metadata as mellon_create_metadata writes it>},
then answers one JSON command per stdin line with one JSON line (the test plays the browser):
  {"op": "login", "relayState"?, "sign"?, "isPassive"?} -> {"url", "id"}   (AuthnRequest, HTTP-Redirect)
  {"op": "acs", "SAMLResponse"}        -> {"nameId", "nameIdFormat", "attributes", "sessionIndex", ...}
  {"op": "logout", "relayState"?}      -> {"url", "id"}   (LogoutRequest for the last login, HTTP-Redirect)
  {"op": "slo", "url"}                 -> a LogoutResponse's outcome, or our answer to a LogoutRequest
  {"op": "sessions"}                   -> {"nameIds": the NameIDs of the sessions held}
  {"op": "forget"}                     -> drops every session (as a restarted mellon with a fresh cache)
  {"op": "soapMode", "mode"}           -> how the SOAP endpoint behaves next: "answer" (mellon), "tamper"
                                          (mellon, then one octet of its SignatureValue altered), "drop"
                                          (the connection closed without an answer)
  {"op": "soapLog"}                    -> {"requests": what the SOAP endpoint received and did}, then clears it
  {"op": "useIdp", "metadata"}         -> {"idp"}: trusts this IdP (metadata XML) instead (mellon reloaded
                                          with another MellonIdPMetadataFile); the sessions held are kept
  {"op": "soapLogout", "tamper"?, "replay"?}
                                       -> SP-initiated logout over SOAP (saml-profiles §4.4.3.4) for the
                                          last login: Lasso's LogoutRequest posted to the IdP's SOAP SLO,
                                          its answer given to Lasso; see soap_logout_request()
Every failure answers {"ok": false, "error": <Lasso exception class, or Refused>, "message"}.

The ready line also gives "soapLogout", the loopback URL where it takes SOAP LogoutRequests as
mod_auth_mellon does at MellonEndpointPath/logout (am_handle_logout: a POST without a query), and
"soapMetadata": its metadata as an IdP that must use that back-channel sees it (SOAP SLO only).

Lasso verifies signatures and decrypts, but it does NOT check an assertion's Conditions
(NotBefore, NotOnOrAfter, Audience), its SubjectConfirmationData (Recipient, validity) nor the
Response's Destination: mod_auth_mellon does that itself (auth_mellon_handler.c,
am_handle_reply_common, am_validate_subject, am_validate_conditions), and so does check_mellon()
here, with mellon's 60-second tolerance. Runs with Debian's /usr/bin/python3 (python3-lasso 2.8.1).
"""
import calendar
import json
import re
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit
from urllib.request import ProxyHandler, Request, build_opener

import lasso

SKEW = 60  # seconds, as mod_auth_mellon (t - 60000000 in microseconds)
BEARER = 'urn:oasis:names:tc:SAML:2.0:cm:bearer'
REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect'
POST = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST'
SOAP = 'urn:oasis:names:tc:SAML:2.0:bindings:SOAP'
SOAP_PATH = '/mellon/logout'
# Lasso signs with the default namespace: <Signature xmlns="http://www.w3.org/2000/09/xmldsig#">.
SIGNATURE_VALUE = re.compile(r'(<(?:ds:)?SignatureValue>)(.)')
SOAP_FAULT = re.compile(r'<faultcode>([^<]*)</faultcode>\s*<faultstring>([^<]*)</faultstring>')
LOCK = threading.Lock()  # Lasso state is touched by the command loop and the SOAP endpoint
DIRECT = build_opener(ProxyHandler({}))  # loopback only: no http_proxy from the environment


class Refused(Exception):
    """A check mod_auth_mellon makes on top of Lasso failed (it answers 400 Bad Request)."""


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def mellon_metadata(entity_id, endpoint, cert_pem, soap_logout=None):
    """The SP metadata mellon_create_metadata.sh writes (mod_auth_mellon 0.18).

    With soap_logout (a URL), its only SingleLogoutService is that SOAP one: mellon's generated
    metadata lists SOAP first (am_generate_metadata), and an IdP that prefers the front channel
    must be left no other choice.
    """
    cert = ''.join(line for line in cert_pem.splitlines() if not line.startswith('-----'))
    key_info = ('<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>'
                '<ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo>' % cert)
    if soap_logout is not None:
        slo = '    <SingleLogoutService Binding="%s" Location="%s"/>\n' % (SOAP, soap_logout)
    else:
        slo = ('    <SingleLogoutService Binding="%(redirect)s" Location="%(base)s/logout"/>\n'
               '    <SingleLogoutService Binding="%(post)s" Location="%(base)s/logout"/>\n') % {'redirect': REDIRECT, 'post': POST, 'base': endpoint}
    return (
        '<EntityDescriptor entityID="%(id)s" xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">\n'
        '  <SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" AuthnRequestsSigned="true">\n'
        '    <KeyDescriptor use="encryption">%(key)s</KeyDescriptor>\n'
        '    <KeyDescriptor use="signing">%(key)s</KeyDescriptor>\n'
        '%(slo)s'
        '    <AssertionConsumerService Binding="%(post)s" Location="%(base)s/postResponse" index="0"/>\n'
        '  </SPSSODescriptor>\n'
        '</EntityDescriptor>\n'
    ) % {'id': entity_id, 'key': key_info, 'base': endpoint, 'slo': slo, 'post': POST}


def parse_instant(value):
    """xs:dateTime in UTC (mellon refuses anything but a trailing Z); fractions are dropped."""
    if not value.endswith('Z'):
        raise Refused('timestamp not in UTC: ' + value)
    return calendar.timegm(time.strptime(value[:19], '%Y-%m-%dT%H:%M:%S'))


def check_mellon(login, acs_url, provider_id):
    """am_handle_reply_common + am_validate_subject + am_validate_conditions."""
    if login.nameIdentifier is None:
        raise Refused('no acceptable name identifier')
    response = login.response
    if response.destination and response.destination != acs_url:
        raise Refused('Destination is not our ACS')
    if len(response.assertion or ()) != 1:
        raise Refused('expected exactly one assertion')
    assertion = response.assertion[0]
    now = time.time()
    confirmation = assertion.subject.subjectConfirmation if assertion.subject else None
    if confirmation is not None:
        if confirmation.method != BEARER:
            raise Refused('SubjectConfirmation Method is not bearer')
        data = confirmation.subjectConfirmationData
        if data is not None:
            if data.notBefore and parse_instant(data.notBefore) - SKEW > now:
                raise Refused('SubjectConfirmationData NotBefore in the future')
            if data.notOnOrAfter and now >= parse_instant(data.notOnOrAfter) + SKEW:
                raise Refused('SubjectConfirmationData NotOnOrAfter in the past')
            if data.recipient and data.recipient != acs_url:
                raise Refused('SubjectConfirmationData Recipient is not our ACS')
    conditions = assertion.conditions
    if conditions is not None:
        if conditions.condition:
            raise Refused('unsupported condition')
        if conditions.notBefore and parse_instant(conditions.notBefore) - SKEW > now:
            raise Refused('Conditions NotBefore in the future')
        if conditions.notOnOrAfter and now >= parse_instant(conditions.notOnOrAfter) + SKEW:
            raise Refused('Conditions NotOnOrAfter in the past')
        for restriction in conditions.audienceRestriction or ():
            if restriction.audience != provider_id:
                raise Refused('Audience is not our entityID')
    return assertion


def attribute_values(assertion):
    """add_attributes(): each AttributeValue's children, dumped and concatenated."""
    result = {}
    for statement in assertion.attributeStatement or ():
        for attribute in statement.attribute or ():
            for value in attribute.attributeValue or ():
                content = ''.join(node.content if isinstance(node, lasso.MiscTextNode) else node.dump() for node in value.any or ())
                result.setdefault(attribute.name, []).append(content)
    return result


class Sp:
    def __init__(self, conf):
        self.entity_id = conf['entityId']
        self.acs_url = conf['endpoint'] + '/postResponse'
        self.own_metadata = mellon_metadata(conf['entityId'], conf['endpoint'], read(conf['cert']))
        self.key, self.cert = conf['key'], conf['cert']
        self.use_idp({'metadata': read(conf['idpMetadata'])})
        self.sent_authn = set()  # IDs of the AuthnRequests we sent
        self.sent_logout = {}    # LogoutRequest ID -> the NameID it logs out
        self.sessions = {}       # NameID -> Lasso session dump (mellon's session cache)
        self.current = None      # the browser's session (mellon's cookie): the last NameID logged in
        self.soap_mode = 'answer'
        self.soap_requests = []  # what the SOAP endpoint received and did, for the test to read

    def use_idp(self, cmd):
        """mellon's server_config: a Lasso server with our metadata and keys, and the IdP's metadata."""
        server = lasso.Server.newFromBuffers(self.own_metadata, read(self.key), None, read(self.cert))
        server.signatureMethod = lasso.SIGNATURE_METHOD_RSA_SHA256  # MellonSignatureMethod rsa-sha256
        server.setEncryptionPrivateKey(self.key)
        server.addProviderFromBuffer(lasso.PROVIDER_ROLE_IDP, cmd['metadata'])
        self.server = server
        self.idp = next(iter(server.providerIds))
        return {'idp': self.idp}

    def login(self, cmd):
        """am_init_authn_request_common."""
        login = lasso.Login(self.server)
        login.initAuthnRequest(self.idp, lasso.HTTP_METHOD_REDIRECT)
        request = login.request
        request.forceAuthn = False
        request.isPassive = bool(cmd.get('isPassive', False))
        request.nameIdPolicy.allowCreate = True
        request.consent = lasso.SAML2_CONSENT_IMPLICIT
        request.assertionConsumerServiceUrl = self.acs_url
        if not cmd.get('sign', True):
            login.setSignatureHint(lasso.PROFILE_SIGNATURE_HINT_FORBID)
        login.msgRelayState = cmd.get('relayState', '')
        login.buildAuthnRequestMsg()
        self.sent_authn.add(request.iD)
        return {'url': login.msgUrl, 'id': request.iD}

    def acs(self, cmd):
        """am_handle_post_reply."""
        login = lasso.Login(self.server)
        login.processAuthnResponseMsg(cmd['SAMLResponse'])  # signatures, decryption, status
        assertion = check_mellon(login, self.acs_url, self.entity_id)
        in_response_to = login.response.inResponseTo
        # mellon only requires its cookie when InResponseTo is set; this SP also knows the IDs it sent.
        if in_response_to is not None:
            if in_response_to not in self.sent_authn:
                raise Refused('InResponseTo names no request of ours')
            self.sent_authn.discard(in_response_to)
        login.acceptSso()
        name_id = login.nameIdentifier
        self.sessions[name_id.content] = login.session.dump()
        self.current = name_id.content
        authn = assertion.authnStatement[0] if assertion.authnStatement else None
        return {
            'nameId': name_id.content,
            'nameIdFormat': name_id.format,
            'spNameQualifier': name_id.sPNameQualifier,
            'attributes': attribute_values(assertion),
            'sessionIndex': authn.sessionIndex if authn else None,
            'authnContext': authn.authnContext.authnContextClassRef if authn and authn.authnContext else None,
            'inResponseTo': in_response_to,
            'encrypted': bool(login.response.encryptedAssertion),
        }

    def logout(self, cmd):
        """am_handle_logout (SP-initiated): a LogoutRequest for the session's NameID."""
        name_id = self.current
        if name_id not in self.sessions:
            raise Refused('not logged in')
        logout = lasso.Logout(self.server)
        logout.setSessionFromDump(self.sessions[name_id])
        logout.initRequest(self.idp, lasso.HTTP_METHOD_REDIRECT)
        logout.msgRelayState = cmd.get('relayState', '')
        logout.buildRequestMsg()
        self.sent_logout[logout.request.iD] = name_id
        return {'url': logout.msgUrl, 'id': logout.request.iD}

    def slo(self, cmd):
        query = urlsplit(cmd['url']).query  # raw: the detached signature covers these octets
        params = parse_qs(query)
        if 'SAMLResponse' in params:
            # am_handle_logout_response: Lasso verifies the signature and the status.
            logout = lasso.Logout(self.server)
            logout.processResponseMsg(query)
            in_response_to = logout.response.inResponseTo
            if in_response_to not in self.sent_logout:
                raise Refused('InResponseTo names no request of ours')
            name_id = self.sent_logout.pop(in_response_to)
            self.sessions.pop(name_id, None)
            status = logout.response.status.statusCode
            return {
                'kind': 'LogoutResponse',
                'status': status.value,
                'subStatus': status.statusCode.value if status.statusCode else None,
                'inResponseTo': in_response_to,
                # mellon reads RelayState from the query itself (am_handle_logout_response).
                'relayState': params.get('RelayState', [None])[0],
            }
        # am_handle_logout_request: verify, find the session by NameID, validate, answer.
        logout = lasso.Logout(self.server)
        logout.processRequestMsg(query)
        name_id = logout.nameIdentifier.content
        session = self.sessions.pop(name_id, None)
        if session is not None:
            logout.setSessionFromDump(session)
        validate_error = None
        try:
            logout.validateRequest()
        except lasso.Error as err:  # mellon logs these and still answers (with the status Lasso set)
            validate_error = type(err).__name__
        logout.buildResponseMsg()
        return {
            'kind': 'LogoutRequest',
            'nameId': name_id,
            'sessionIndexes': list(logout.request.sessionIndexes or ()),
            'hadSession': session is not None,
            'validateError': validate_error,
            'url': logout.msgUrl,
        }

    def soap_logout_request(self, cmd):
        """SP-initiated single logout over SOAP (saml-profiles §4.4.3.4), as a Lasso SP does it.

        mod_auth_mellon 0.18 itself only starts logout by HTTP-Redirect; this is Lasso's SOAP profile
        (lasso_logout_init_request with HTTP_METHOD_SOAP), the HTTP exchange done as its callers do:
        msgBody POSTed as text/xml to msgUrl, the answer given to processResponseMsg. The session is
        dropped only when Lasso accepts a Success answer. "tamper": "request" alters one octet of
        our SignatureValue before sending, "response" one octet of the IdP's before Lasso reads it.
        "replay": the same request is posted again afterwards (its outcome in "replay"). Runs under
        LOCK: the IdP must not call this process's own SOAP endpoint meanwhile (it does not: it
        does not tell the SP that started the logout).
        """
        name_id = self.current
        if name_id not in self.sessions:
            raise Refused('not logged in')
        logout = lasso.Logout(self.server)
        logout.setSessionFromDump(self.sessions[name_id])
        logout.initRequest(self.idp, lasso.HTTP_METHOD_SOAP)
        logout.buildRequestMsg()
        body = logout.msgBody
        sent = {'url': logout.msgUrl, 'id': logout.request.iD, 'nameId': name_id,
                'sessionIndexes': list(logout.request.sessionIndexes or ()),
                'signed': SIGNATURE_VALUE.search(body) is not None}
        if cmd.get('tamper') == 'request':
            body = tamper(body)
        outcome = self.soap_exchange(logout, body, cmd.get('tamper') == 'response')
        if outcome['lassoError'] is None and outcome['status'] == lasso.SAML2_STATUS_CODE_SUCCESS:
            self.sessions.pop(name_id, None)
        result = {**sent, **outcome}
        if cmd.get('replay'):
            result['replay'] = self.soap_exchange(logout, logout.msgBody, False)
        return result

    @staticmethod
    def soap_exchange(logout, body, tamper_answer):
        """POST one SOAP message; what came back, and what Lasso made of it."""
        request = Request(logout.msgUrl, data=body.encode('utf-8'), method='POST', headers={
            'Content-Type': 'text/xml', 'SOAPAction': 'http://www.oasis-open.org/committees/security'})
        try:
            with DIRECT.open(request, timeout=10) as answer:
                status, content_type, text = answer.status, answer.headers.get('Content-Type'), answer.read().decode('utf-8')
        except HTTPError as err:
            status, content_type, text = err.code, err.headers.get('Content-Type'), err.read().decode('utf-8')
        fault = SOAP_FAULT.search(text)
        outcome = {'httpStatus': status, 'contentType': content_type, 'fault': list(fault.groups()) if fault else None,
                   'answerSigned': SIGNATURE_VALUE.search(text) is not None, 'lassoError': None,
                   'status': None, 'subStatus': None, 'statusMessage': None, 'inResponseTo': None}
        if tamper_answer:
            text = tamper(text)
        try:
            logout.processResponseMsg(text)
        except lasso.Error as err:
            outcome['lassoError'] = type(err).__name__
        # Lasso checks the status before it fails on a bad signature (a non-Success answer with an
        # altered signature raises ProfileStatusNotSuccessError): its signatureStatus says which.
        try:
            _ = logout.signatureStatus  # the binding raises the error it holds
        except lasso.Error as err:
            outcome['signatureError'] = type(err).__name__
        else:
            outcome['signatureError'] = None
        response = logout.response
        if response is not None and response.status is not None and outcome['signatureError'] is None:
            code = response.status.statusCode
            outcome.update({'status': code.value, 'subStatus': code.statusCode.value if code.statusCode else None,
                            'statusMessage': response.status.statusMessage, 'inResponseTo': response.inResponseTo})
        return outcome

    def sessions_held(self, _cmd):
        return {'nameIds': sorted(self.sessions)}

    def forget(self, _cmd):
        self.sessions.clear()
        return {}

    def set_soap_mode(self, cmd):
        if cmd['mode'] not in ('answer', 'tamper', 'drop'):
            raise Refused('unknown SOAP mode')
        self.soap_mode = cmd['mode']
        return {}

    def soap_log(self, _cmd):
        requests, self.soap_requests = self.soap_requests, []
        return {'requests': requests}

    def soap_logout(self, body, headers):
        """am_handle_logout (a POST without a query) -> am_handle_logout_request, SOAP binding.

        Returns (HTTP status, SOAP response or None); None with status 0: close without answering.
        """
        seen = {'contentType': headers.get('Content-Type'), 'soapAction': headers.get('SOAPAction'), 'mode': self.soap_mode}
        self.soap_requests.append(seen)
        if self.soap_mode == 'drop':
            return 0, None
        logout = lasso.Logout(self.server)
        # mellon: "Process the logout message. Ignore missing signature."
        try:
            logout.processRequestMsg(body)
            seen['processError'] = None
        except lasso.DsSignatureNotFoundError:
            seen['processError'] = 'DsSignatureNotFoundError'
        except lasso.Error as err:
            seen['processError'] = type(err).__name__
            return 400, None
        request = logout.request
        seen.update({
            'id': request.iD,
            'issuer': request.issuer.content if request.issuer else None,
            'destination': request.destination,
            'nameId': logout.nameIdentifier.content,
            'sessionIndexes': list(request.sessionIndexes or ()),
        })
        session = self.sessions.get(logout.nameIdentifier.content)
        seen['hadSession'] = session is not None
        if session is not None:
            logout.setSessionFromDump(session)
        # mellon goes on (and answers with the status Lasso set) when the session is not found.
        try:
            logout.validateRequest()
            seen['validateError'] = None
        except (lasso.DsSignatureNotFoundError, lasso.ProfileSessionNotFoundError) as err:
            seen['validateError'] = type(err).__name__
        except lasso.Error as err:
            seen['validateError'] = type(err).__name__
            return 500, None
        if session is not None and seen['validateError'] != 'ProfileSessionNotFoundError':
            del self.sessions[logout.nameIdentifier.content]
        logout.buildResponseMsg()
        status = logout.response.status.statusCode
        seen['answered'] = {
            'status': status.value,
            'subStatus': status.statusCode.value if status.statusCode else None,
            'signed': SIGNATURE_VALUE.search(logout.msgBody) is not None,
        }
        answer = logout.msgBody
        if self.soap_mode == 'tamper':
            answer = tamper(answer)
        return 200, answer


def tamper(xml):
    """One octet of the first SignatureValue altered (the message itself is intact)."""
    return SIGNATURE_VALUE.sub(lambda m: m.group(1) + ('B' if m.group(2) == 'A' else 'A'), xml, count=1)


def serve_soap(sp):
    """A loopback HTTP server for the back-channel: POST SOAP_PATH, answered text/xml as mellon does."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get('Content-Length') or 0)).decode('utf-8')
            if urlsplit(self.path).path != SOAP_PATH or urlsplit(self.path).query:
                self.send_error(404)
                return
            with LOCK:
                try:
                    status, answer = sp.soap_logout(body, self.headers)
                except Exception as err:  # reported to the test through the log
                    sp.soap_requests.append({'crash': type(err).__name__, 'message': str(err)[:300]})
                    status, answer = 500, None
            if status == 0:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            data = (answer or '').encode('utf-8')
            self.send_response(status)
            self.send_header('Content-Type', 'text/xml')
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args):
            pass

    httpd = HTTPServer(('127.0.0.1', 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return 'http://127.0.0.1:%d%s' % (httpd.server_address[1], SOAP_PATH)


def main():
    conf = json.loads(sys.argv[1])
    sp = Sp(conf)
    soap_url = serve_soap(sp)
    soap_metadata = mellon_metadata(conf['entityId'], conf['endpoint'], read(conf['cert']), soap_logout=soap_url)
    print(json.dumps({'ready': True, 'metadata': sp.own_metadata, 'soapLogout': soap_url, 'soapMetadata': soap_metadata}), flush=True)
    ops = {'login': sp.login, 'acs': sp.acs, 'logout': sp.logout, 'slo': sp.slo, 'sessions': sp.sessions_held,
           'forget': sp.forget, 'soapMode': sp.set_soap_mode, 'soapLog': sp.soap_log,
           'useIdp': sp.use_idp, 'soapLogout': sp.soap_logout_request}
    for line in sys.stdin:
        if not line.strip():
            continue
        cmd = json.loads(line)
        try:
            with LOCK:
                answer = {'ok': True, **ops[cmd['op']](cmd)}
        except Exception as err:  # the test reads the class of what the peer refused with
            answer = {'ok': False, 'error': type(err).__name__, 'message': str(err)[:500], 'trace': traceback.format_exc(limit=3)[-800:]}
        print(json.dumps(answer), flush=True)


if __name__ == '__main__':
    main()
