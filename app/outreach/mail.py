"""Sending one email over SMTP (the standard library's smtplib), with failures sorted for retrying.

A temporary failure (the server is down, a 4xx answer, a timeout) is tried again later; a
permanent one (a 5xx answer for this recipient) is not, and the counselor sees the message as
undeliverable. The error text kept says what went wrong, never the message's content.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formataddr

from app.config import Settings, get_settings


class SendFailed(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        self.permanent = permanent


def message_id(key: str) -> str:
    """A stable Message-ID for a message key: a retry carries the same one."""
    domain = (get_settings().mail_sender.rpartition("@")[2] or "mend.invalid").strip(">")
    return f"<{key.replace(':', '.')}@{domain}>"


def build(*, key: str, to: str, sender_name: str, subject: str, body: str) -> EmailMessage:
    settings = get_settings()
    mail = EmailMessage()
    mail["From"] = formataddr((sender_name, settings.mail_sender or "no-reply@mend.invalid"))
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = message_id(key)
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(body)
    return mail


def _connect(settings: Settings) -> smtplib.SMTP:
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_tls == "ssl":
        return smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout,
                                context=ssl.create_default_context())
    client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    if settings.smtp_tls == "starttls":
        client.starttls(context=ssl.create_default_context())
    return client


def send(mail: EmailMessage, settings: Settings | None = None, *,
         accepted: Callable[[], None] | None = None) -> None:
    """Hand one message to the mail server; raises ``SendFailed`` saying whether to retry.

    ``accepted`` runs the moment the server has taken the message, before we say goodbye
    (QUIT): recording "sent" then, not after the goodbye's round trip, keeps the window in
    which a crash could send it twice as short as it can be.
    """
    settings = settings or get_settings()
    try:
        with _connect(settings) as client:
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password)
            client.send_message(mail)
            if accepted is not None:
                accepted()
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        raise SendFailed(f"recipient refused ({', '.join(map(str, codes))})",
                         permanent=all(c >= 500 for c in codes)) from None
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(f"mail server answered {exc.smtp_code}", permanent=exc.smtp_code >= 500) from None
    except (OSError, smtplib.SMTPException) as exc:  # TimeoutError is an OSError
        raise SendFailed(f"mail server unreachable ({type(exc).__name__})", permanent=False) from None
