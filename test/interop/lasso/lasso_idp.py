#!/usr/bin/python3
"""A Lasso IdP (the library inside mod_auth_mellon and django-mellon): one step per run.

Usage: lasso_idp.py --idp-metadata FILE --key KEY --cert CERT --sp-metadata FILE
         (--query RAW_QUERY [--encrypt] | --soap-logout SESSION_FILE [--tamper-response])
--query: answers one AuthnRequest. The raw query is the HTTP-Redirect query string as sent: Lasso
  verifies the SP's signature over it. Prints JSON: {"acs", "SAMLResponse", "session": the Lasso
  session dump (what an IdP keeps to log the SP out later)}.
--soap-logout: logs the SP of that session out over the SOAP back-channel (saml-profiles §4.4.3.4):
  a signed LogoutRequest POSTed (text/xml) to the SP's SOAP SingleLogoutService, and Lasso checks
  the answer (signature with the SP's metadata key, InResponseTo, status). Prints JSON: {"url",
  "request": {"id", "nameId", "sessionIndexes"}, "httpStatus", "contentType", "body" (not 200),
  "ok", "error": Lasso's exception class when it refused the answer, "status", "inResponseTo"}.
  --tamper-response alters one octet of the answer's SignatureValue before Lasso reads it.
Runs with Debian's /usr/bin/python3 (python3-lasso).
"""
import argparse
import json
import re
import time
import urllib.error
import urllib.request

import lasso

# saml-bindings §3.2.3.3 (the SOAPAction HTTP header a SOAP sender should set).
SOAP_ACTION = 'http://www.oasis-open.org/committees/security'
SIGNATURE_VALUE = re.compile(r'(<(?:ds:)?SignatureValue>)(.)')


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def iso(seconds_from_now):
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + seconds_from_now))


def answer_authn_request(server, args):
    login = lasso.Login(server)
    login.processAuthnRequestMsg(args.query)  # verifies the SP's Redirect signature
    login.validateRequestMsg(True, True)
    if args.encrypt:
        provider = server.getProvider(login.remoteProviderId)
        provider.setEncryptionMode(lasso.ENCRYPTION_MODE_ASSERTION)
        provider.setEncryptionSymKeyType(lasso.ENCRYPTION_SYM_KEY_TYPE_AES_256)
    login.buildAssertion(lasso.SAML2_AUTHN_CONTEXT_PASSWORD, iso(0), None, iso(-30), iso(300))
    # Lasso invents an opaque federation NameID; give the user a known one.
    login.assertion.subject.nameID.content = 'lee-from-lasso'
    attribute = lasso.Saml2Attribute()
    attribute.name = 'mail'
    attribute.nameFormat = lasso.SAML2_ATTRIBUTE_NAME_FORMAT_BASIC
    value = lasso.Saml2AttributeValue()
    value.any = [lasso.MiscTextNode.newWithString('lee@example.org')]
    attribute.attributeValue = [value]
    statement = lasso.Saml2AttributeStatement()
    statement.attribute = [attribute]
    login.assertion.attributeStatement = [statement]
    login.buildAuthnResponseMsg()
    return {'acs': login.msgUrl, 'SAMLResponse': login.msgBody, 'session': login.session.dump()}


def soap_logout(server, args):
    logout = lasso.Logout(server)
    logout.setSessionFromDump(read(args.soap_logout))
    sp_id = next(iter(server.providerIds))
    logout.initRequest(sp_id, lasso.HTTP_METHOD_SOAP)  # the SP's SOAP SingleLogoutService, or it raises
    logout.buildRequestMsg()  # msgUrl + msgBody: the signed request in its SOAP envelope
    request = logout.request
    result = {
        'url': logout.msgUrl,
        'request': {'id': request.iD, 'nameId': request.nameId.content, 'sessionIndexes': list(request.sessionIndexes or ())},
    }
    post = urllib.request.Request(logout.msgUrl, data=logout.msgBody.encode('utf-8'), method='POST',
                                  headers={'Content-Type': 'text/xml', 'SOAPAction': SOAP_ACTION})
    # Loopback: no proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(post, timeout=10) as answer:
            status, content_type, body = answer.status, answer.headers.get('Content-Type'), answer.read().decode('utf-8')
    except urllib.error.HTTPError as err:
        status, content_type, body = err.code, err.headers.get('Content-Type'), err.read().decode('utf-8')
    result.update({'httpStatus': status, 'contentType': content_type})
    if status != 200:
        result['body'] = body
    if args.tamper_response:
        body = SIGNATURE_VALUE.sub(lambda m: m.group(1) + ('B' if m.group(2) == 'A' else 'A'), body, count=1)
    try:
        logout.processResponseMsg(body)  # signature, issuer, InResponseTo, status
        result.update({'ok': True, 'error': None})
    except lasso.Error as err:
        result.update({'ok': False, 'error': type(err).__name__, 'message': str(err)[:300]})
    response = logout.response
    if response is not None and response.status is not None:
        code = response.status.statusCode
        result.update({'status': code.value, 'subStatus': code.statusCode.value if code.statusCode else None, 'inResponseTo': response.inResponseTo})
    return result


def main():
    parser = argparse.ArgumentParser()
    for name in ('--idp-metadata', '--key', '--cert', '--sp-metadata'):
        parser.add_argument(name, required=True)
    step = parser.add_mutually_exclusive_group(required=True)
    step.add_argument('--query')
    step.add_argument('--soap-logout', metavar='SESSION_FILE')
    parser.add_argument('--encrypt', action='store_true')
    parser.add_argument('--tamper-response', action='store_true')
    args = parser.parse_args()

    server = lasso.Server.newFromBuffers(read(args.idp_metadata), read(args.key), None, read(args.cert))
    server.signatureMethod = lasso.SIGNATURE_METHOD_RSA_SHA256  # Lasso's default is RSA-SHA1
    server.addProviderFromBuffer(lasso.PROVIDER_ROLE_SP, read(args.sp_metadata))
    print(json.dumps(answer_authn_request(server, args) if args.query is not None else soap_logout(server, args)))


if __name__ == '__main__':
    main()
