"""The emails' content: Jinja2 templates (MJML for the HTML part, autoescaped; plain text for
the other), the built-in texts per locale with the brand's own over them, and the MIME message
that carries both.

The HTML part is MJML rendered by ``mjml-python`` (tables and media queries that hold up in
Outlook, Gmail and Apple Mail) with its CSS then inlined by ``css-inline`` (Gmail and others drop
``<style>`` in some views). No remote font: MJML's default web font is turned off, and the
layout names system fonts."""

import json
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from functools import cache
from pathlib import Path
from typing import Any

import css_inline
import jinja2
import mjml

from atelier.contracts.notification import EmailSettings, EmailTemplate
from atelier.notification.domain import LOCALES

HERE = Path(__file__).parent
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]+")
_INLINER = css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


@cache
def builtin_texts() -> dict[str, dict[str, str]]:
    """Every locale's texts, read once (English holds every key: the tests check the others do
    too)."""
    return {locale: json.loads((HERE / "texts" / f"{locale}.json").read_text(encoding="utf-8"))
            for locale in LOCALES}


def fill(text: str, values: dict[str, Any]) -> str:
    """``{name}`` placeholders replaced by their values; nothing else is interpreted (a brand's
    text cannot reach into an object as ``str.format`` would let it)."""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


class Texts:
    """The words of one locale: the brand's own where it gave some, else the built-in ones."""

    def __init__(self, locale: str, brand: EmailSettings) -> None:
        self.texts = {**builtin_texts()["en"], **builtin_texts()[locale],
                      **brand.texts.get(locale, {})}

    def __call__(self, key: str, **values: Any) -> str:
        return fill(self.texts[key], values)


@cache
def _environment(suffix: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=suffix == "mjml",  # HTML: every value escaped; plain text: none to escape
        undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty string
        keep_trailing_newline=True,
    )


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str


def render(template: EmailTemplate, locale: str, brand: EmailSettings, data: Any,
           unsubscribe_url: str | None = None) -> Rendered:
    """``template`` in ``locale`` for ``brand``, with ``data`` (one of ``content``'s)."""
    t = Texts(locale, brand)
    subject = _CONTROLS.sub(" ", t(f"{template.value}.subject", order=getattr(
        data, "order_name", ""))).strip()[:998]
    context = {"t": t, "brand": brand, "data": data, "locale": locale, "subject": subject,
               "unsubscribe_url": unsubscribe_url}
    source = _environment("mjml").get_template(f"{template.value}.mjml.j2").render(context)
    html = _INLINER.inline(mjml.mjml2html(source, disable_comments=True, fonts={}))
    text = _environment("txt").get_template(f"{template.value}.txt.j2").render(context)
    return Rendered(subject=subject, html=html, text=re.sub(r"\n{3,}", "\n\n", text).strip()
                    + "\n")


def mime(rendered: Rendered, *, sender_name: str, sender_address: str, recipient: str,
         reply_to: str | None, message_id: str, date: datetime,
         unsubscribe_url: str | None) -> bytes:
    """The message as it goes over SMTP: text and HTML alternatives, the headers receivers
    thread, dedupe and unsubscribe by (RFC 2369 and RFC 8058's one-click POST)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = formataddr((sender_name, sender_address))
    message["To"] = recipient
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = rendered.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    return message.as_bytes()
