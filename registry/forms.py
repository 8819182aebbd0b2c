"""The public pages' forms: their base, and the bulk check's form (pasted lines or an uploaded
CSV file, and the output format)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import ProhibitNullCharactersValidator
from django.forms.renderers import Jinja2
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from registry.bulk import (
    MAX_LINE_CHARS,
    MAX_LINES,
    MAX_TEXT_CHARS,
    MAX_UPLOAD_BYTES,
    BulkInputError,
    Line,
    grouped,
    parse_lines,
    parse_upload,
    too_large_message,
)

# One renderer, and so one Jinja2 environment, for every form of the public pages.
PUBLIC_PAGES = Jinja2()


class PublicForm(forms.Form):
    """A form of the public pages, whose widgets render from Django's Jinja2 widget templates
    as the pages themselves do (config/jinja2.py): the search form's seven fields took 2.9 ms
    with Django templates and take 1.5 ms. The admin's forms keep Django templates, which its
    own widgets need."""

    default_renderer = PUBLIC_PAGES


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class LinesField(forms.CharField):
    """A text box whose NUL bytes are a problem of their line, not of the whole form, and
    that never truncates a paste in the browser (no maxlength attribute): the server says
    how much is too much instead."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [
            v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]

    def prepare_value(self, value: Any) -> Any:
        # Shown again after a check: a NUL or other control character goes back as U+FFFD
        # (what a browser would show anyway), line breaks and tabs as they were.
        if isinstance(value, str):
            return _CONTROL.sub("\ufffd", value)
        return value

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        return attrs


class BulkCheckForm(PublicForm):
    """Exactly one of `lines` and `file`. Once valid, `lines_to_check()` holds the parsed
    lines, those that cannot be checked included (registry.bulk.Line.error)."""

    lines = LinesField(
        label=_("Names or KvK numbers, one a line"),
        required=False,
        max_length=MAX_TEXT_CHARS,
        error_messages={
            # {lines} and {chars} are filled in here, %(...)s by Django's max_length check.
            "max_length": format_lazy(
                _(
                    "Paste at most {lines} lines of up to {chars} characters "
                    "(%(limit_value)s characters in all); this has %(show_value)s."
                ),
                lines=lazy(grouped, str)(MAX_LINES),
                chars=MAX_LINE_CHARS,
            )
        },
        widget=forms.Textarea(
            attrs={
                "rows": 12,
                "spellcheck": "false",
                "autocomplete": "off",
                "aria-describedby": "lines-hint",
            }
        ),
    )
    file = forms.FileField(
        label=_("Or upload a CSV file"),
        required=False,
        widget=forms.FileInput(
            attrs={"accept": ".csv,.txt,text/csv,text/plain", "aria-describedby": "file-hint"}
        ),
    )
    format = forms.ChoiceField(
        choices=[("html", _("A table on this page")), ("csv", _("A CSV file to download"))],
        required=False,
    )
    as_of = forms.DateField(
        label=_("As of (date, optional)"),
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text=_("Check against the edition of that date instead of the latest."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_file(self) -> UploadedFile[bytes] | None:
        upload: UploadedFile[bytes] | None = self.cleaned_data.get("file")
        if upload is not None and (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(too_large_message(upload.size or 0), code="too_large")
        return upload

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:  # a field already explained what is wrong; say nothing more
            return cleaned
        text: str = cleaned.get("lines") or ""
        upload: UploadedFile[bytes] | None = cleaned.get("file")
        if text and upload is not None:
            raise forms.ValidationError(
                _("Paste names or upload a file, not both: clear the text box or the file."),
                code="both",
            )
        if not text and upload is None:
            raise forms.ValidationError(
                _("Paste names or KvK numbers, one a line, or choose a CSV file to upload."),
                code="neither",
            )
        try:
            cleaned["parsed"] = parse_upload(upload.read()) if upload else parse_lines(text)
        except BulkInputError as error:
            self.add_error("file" if upload else "lines", str(error))
            return cleaned
        if not cleaned["parsed"]:
            self.add_error("file", _("The file has no lines to check, only a header or blanks."))
        return cleaned

    def lines_to_check(self) -> list[Line]:
        lines: list[Line] = self.cleaned_data["parsed"]
        return lines

    @property
    def wants_csv(self) -> bool:
        return bool(self.cleaned_data.get("format") == "csv")


class AsOfForm(PublicForm):
    """The company page's "was it listed on this date?" question."""

    as_of = forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d"],
        label=_("Was it listed on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD, for example 2025-03-04.")},
    )
