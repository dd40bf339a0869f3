"""Delivery channels for notifications. Each is a class with `send(notification)`; the
setting NOTIFICATION_CHANNELS maps a channel name to its class, so an SMS gateway or a WeCom
webhook plugs in without touching the services. Development uses the console ones."""

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


class WeComWebhookChannel:
    """A WeCom group robot: POSTs the text to WECOM_WEBHOOK_URL."""

    def send(self, notification):
        payload = {
            "msgtype": "text",
            "text": {"content": f"{notification.title}\n{notification.body}"},
        }
        request = urllib.request.Request(
            settings.WECOM_WEBHOOK_URL,
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - configured URL
            if response.status != 200:
                raise RuntimeError(f"WeCom answered {response.status}")


def channel(name: str):
    return import_string(settings.NOTIFICATION_CHANNELS[name])()
