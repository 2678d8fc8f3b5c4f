"""An SMTP server for the alert tests: aiosmtpd (an implementation independent of the engine's
mail client), on a loopback port of its choosing, speaking TLS with the test's certificate:
STARTTLS required before any mail (mode "starttls") or TLS from the first byte (mode "tls").
A login is required, and checked against USER and PASSWORD.

Prints "LISTENING <port>", then one JSON line per mail received:
{"from": ..., "to": [...], "subject": ..., "body": ..., "user": ...}

Usage: smtp_server.py MODE CERT KEY USER PASSWORD
"""

import asyncio
import email
import email.policy
import json
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult


class Handler:
    async def handle_DATA(self, server, session, envelope):
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        line = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": mail["subject"],
            "body": mail.get_content(),
            "user": session.auth_data.decode() if isinstance(session.auth_data, bytes) else session.auth_data,
        }
        print(json.dumps(line), flush=True)
        return "250 OK"


def main():
    # aiosmtpd warns about its own use of a deprecated session field; not ours to fix.
    warnings.filterwarnings("ignore", message="Session.login_data")
    mode, cert, key, user, password = sys.argv[1:6]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login.decode() == user and auth_data.password.decode() == password
        return AuthResult(success=ok, auth_data=auth_data.login if ok else None)

    def protocol():
        if mode == "starttls":
            return SMTP(
                Handler(),
                hostname="localhost",
                tls_context=context,
                require_starttls=True,
                auth_required=True,
                auth_require_tls=True,
                authenticator=authenticator,
            )
        return SMTP(
            Handler(),
            hostname="localhost",
            auth_required=True,
            auth_require_tls=False,
            authenticator=authenticator,
        )

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        loop.create_server(
            protocol, "127.0.0.1", 0, ssl=context if mode == "tls" else None
        )
    )
    print("LISTENING", server.sockets[0].getsockname()[1], flush=True)
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
