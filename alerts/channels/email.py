"""Alert mail over SMTP: one plain-text mail per recipient per batch.

smtplib from the standard library, as the report drop uses (reports/drop.py), with the
same server settings (`reports.smtp` in perfchain.yaml) and the same password variable:
one mail server configuration per plant. Transient SMTP trouble (no connection, a 4xx
answer) leaves the messages pending; a refused recipient or login fails them.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage

from alerts.channels import ConfigMissing, Digest, Rejected, Unavailable
from extractors._http.errors import register_secrets
from perfchain.core.settings import SmtpConfig

# The report drop's variable (reports/drop.py): one SMTP login for everything perfchain mails.
PASSWORD_ENV = "PERFCHAIN_SMTP_PASSWORD"


class EmailChannel:
    name = "email"
    max_bytes = 1_000_000  # no practical limit; a digest is never split for mail

    def __init__(self, smtp: SmtpConfig | None, environ: Mapping[str, str] | None = None) -> None:
        self.smtp = smtp
        self.environ = os.environ if environ is None else environ

    def send(self, target: str, digest: Digest) -> None:
        smtp = self.smtp
        if smtp is None:
            raise ConfigMissing(
                "email: no SMTP server configured (reports.smtp in perfchain.yaml); alert "
                "mail uses the report drop's server"
            )
        if "@" not in target:
            raise Rejected(f"email: {target!r} is not an e-mail address")
        message = EmailMessage()
        message["Subject"] = digest.title
        message["From"] = smtp.sender
        message["To"] = target
        message.set_content(digest.text)
        where = f"email to {target} via {smtp.host}:{smtp.port}"
        try:
            with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_seconds) as client:
                client.ehlo()
                if smtp.starttls:
                    client.starttls()
                    client.ehlo()
                if smtp.username:
                    password = self.environ.get(PASSWORD_ENV, "")
                    if not password:
                        raise ConfigMissing(
                            f"email: SMTP user {smtp.username!r} is configured but "
                            f"{PASSWORD_ENV} is not set"
                        )
                    register_secrets([password])
                    client.login(smtp.username, password)
                client.send_message(message)
        except smtplib.SMTPAuthenticationError as error:
            raise ConfigMissing(
                f"{where}: login refused ({error.smtp_code}); check {PASSWORD_ENV}"
            ) from None
        except smtplib.SMTPRecipientsRefused as error:
            raise Rejected(f"{where}: recipient refused {error.recipients}") from None
        except smtplib.SMTPResponseException as error:
            text = f"{where}: SMTP {error.smtp_code} {error.smtp_error!r}"
            if 400 <= error.smtp_code < 500:
                raise Unavailable(text) from None
            raise Rejected(text) from None
        except (smtplib.SMTPException, OSError) as error:
            raise Unavailable(f"{where}: {type(error).__name__}: {error}") from None
