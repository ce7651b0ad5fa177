"""The outbound channels. Each ``send_*`` raises ``SendError`` (or any exception) on failure;
the dispatcher records it and retries with backoff.

- E-mail: Django's e-mail backend (SMTP settings from the environment, see settings.py).
- SMS: a provider interface (``SmsBackend``); Duban ships a file and a console backend, and a
  real gateway plugs in by naming its class in ``DUBAN_SMS_BACKEND``.
- Webhook robots: 钉钉 (signed request: timestamp + HMAC-SHA256 of the secret), 企业微信 and
  plain JSON.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.module_loading import import_string

from duban.core.clock import SHANGHAI, now

WEBHOOK_TIMEOUT = 10  # seconds; a robot that does not answer is retried later, not waited for
MAX_RESPONSE = 64 * 1024


class SendError(Exception):
    pass


# --- e-mail ----------------------------------------------------------------------------------
def email_enabled() -> bool:
    return bool(settings.DUBAN_EMAIL_ENABLED)


def send_email(address: str, subject: str, body: str) -> None:
    msg = EmailMessage(subject=subject[:150], body=body, to=[address])
    if msg.send(fail_silently=False) != 1:
        raise SendError("邮件服务器未接收")


# --- SMS ---------------------------------------------------------------------------------------
class SmsBackend:
    """Send one text to one phone number; raise on failure. Plug a gateway in by subclassing."""

    def send(self, phone: str, text: str) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class FileSmsBackend(SmsBackend):
    """Appends each message to ``DUBAN_SMS_FILE`` (one JSON line): the demo's and the tests' phone."""

    def send(self, phone: str, text: str) -> None:
        path = Path(settings.DUBAN_SMS_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": now().isoformat(), "phone": phone, "text": text}, ensure_ascii=False)
        with path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")


class ConsoleSmsBackend(SmsBackend):
    def send(self, phone: str, text: str) -> None:
        print(f"[短信] {phone}: {text}", flush=True)


def sms_enabled() -> bool:
    return bool(settings.DUBAN_SMS_BACKEND)


def send_sms(phone: str, text: str) -> None:
    backend: SmsBackend = import_string(settings.DUBAN_SMS_BACKEND)()
    backend.send(phone, text)


# --- webhook robots ----------------------------------------------------------------------------
def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")), URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def robot_request(robot, title: str, body: str, url: str) -> tuple[str, dict]:
    """The URL to post to and the JSON body, in the robot's own format."""
    text = f"### {title}\n\n" + body.replace("\n", "\n\n") + f"\n\n[查看详情]({url})"
    if robot.flavour == "dingtalk":
        target = robot.url
        if robot.secret:
            ts = int(time.time() * 1000)
            sep = "&" if "?" in target else "?"
            target += f"{sep}timestamp={ts}&sign={dingtalk_sign(robot.secret, ts)}"
        return target, {"msgtype": "markdown", "markdown": {"title": title[:60], "text": text}}
    if robot.flavour == "wecom":
        # 企业微信 markdown content is capped at 4096 bytes.
        content = text.encode()[:4000].decode(errors="ignore")
        return robot.url, {"msgtype": "markdown", "markdown": {"content": content}}
    return robot.url, {
        "title": title,
        "body": body,
        "url": url,
        "sent_at": now().astimezone(SHANGHAI).isoformat(),
    }


def send_webhook(robot, title: str, body: str, url: str) -> None:
    target, payload = robot_request(robot, title, body, url)
    data = json.dumps(payload, ensure_ascii=False).encode()
    req = urllib.request.Request(
        target, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(req, timeout=WEBHOOK_TIMEOUT) as resp:  # noqa: S310 - admin-set URL
            raw = resp.read(MAX_RESPONSE)
    except urllib.error.HTTPError as exc:
        raise SendError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SendError(f"无法连接：{getattr(exc, 'reason', exc)}") from None
    if robot.flavour in ("dingtalk", "wecom"):
        # Both answer 200 with {"errcode": 0, "errmsg": "ok"}; anything else is a refusal.
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            raise SendError("机器人返回的不是 JSON") from None
        if answer.get("errcode", 0) != 0:
            raise SendError(f"机器人拒绝：{answer.get('errcode')} {answer.get('errmsg', '')}")
