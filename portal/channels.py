"""Delivery channels for notifications. Each is a class with `send(notification)`; the
setting NOTIFICATION_CHANNELS maps a channel name to its class, so an SMS gateway or a WeCom
webhook plugs in without touching the services. Development uses the console ones.

Every channel that talks to the network has a timeout (EMAIL_TIMEOUT, NOTIFICATION_WEBHOOK_
TIMEOUT): a server that accepts and never answers fails the attempt, which is retried."""

import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("portal.notifications")


class Skip(Exception):
    """The recipient cannot be reached on this channel (no address); not an error to retry."""


class EmailChannel:
    def send(self, notification):
        address = notification.recipient.email
        if not address:
            raise Skip("no email address")
        body = notification.body
        if notification.url:
            body = f"{body}\n\n{settings.PORTAL_BASE_URL.rstrip('/')}{notification.url}"
        # The SMTP backend's timeout is EMAIL_TIMEOUT (Django reads it when none is given).
        send_mail(notification.title, body, None, [address], fail_silently=False)


class ConsoleSMSChannel:
    """Writes the SMS to the log; a gateway's class replaces it in production."""

    def send(self, notification):
        phone = notification.recipient.phone
        if not phone:
            raise Skip("no mobile number")
        logger.info("SMS to %s: %s", phone, notification.title)


class ConsoleWeComChannel:
    def send(self, notification):
        logger.info("WeCom to %s: %s", notification.recipient.username, notification.title)


def post_json(url: str, payload: dict) -> None:
    """POST `payload` to a webhook, waiting at most NOTIFICATION_WEBHOOK_TIMEOUT seconds to
    connect and for each read; anything but a 2xx answer is an error (and retried)."""
    if not url:
        raise RuntimeError("no webhook URL is configured")
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    timeout = settings.NOTIFICATION_WEBHOOK_TIMEOUT
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - configured
        if not 200 <= response.status < 300:
            raise RuntimeError(f"the webhook answered {response.status}")


class SMSWebhookChannel:
    """An SMS gateway behind a webhook: POSTs {"phone", "text"} to SMS_WEBHOOK_URL."""

    def send(self, notification):
        phone = notification.recipient.phone
        if not phone:
            raise Skip("no mobile number")
        post_json(settings.SMS_WEBHOOK_URL, {"phone": phone, "text": notification.title})


class WeComWebhookChannel:
    """A WeCom group robot: POSTs the text to WECOM_WEBHOOK_URL."""

    def send(self, notification):
        post_json(settings.WECOM_WEBHOOK_URL, {
            "msgtype": "text",
            "text": {"content": f"{notification.title}\n{notification.body}"},
        })


def channel(name: str):
    return import_string(settings.NOTIFICATION_CHANNELS[name])()
