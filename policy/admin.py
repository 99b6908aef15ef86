"""The policy in the admin: versions are read-only history; a new one is loaded through a checked form.

Loading goes through `load_policy_version`, exactly like `manage.py load_policy`: the same
validation, the same "new version label, no earlier date" rules, every problem listed at once.
The admin's standard add form stays disabled, so nothing can store a version that skipped them.
"""

from pathlib import PurePath
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from policy.errors import PolicyError
from policy.models import PolicyVersion
from policy.services import current_version, load_policy_version

MAX_UPLOAD_BYTES = 512 * 1024
ALLOWED_SUFFIXES = (".yaml", ".yml")
PASTED_SOURCE = "pasted text"

# Set on the request by the load view only: the one place where adding a version is allowed.
_LOADING = "_steward_policy_loading"


class LoadPolicyForm(forms.Form):
    file = forms.FileField(
        label="Policy file",
        required=False,
        widget=forms.FileInput(attrs={"accept": ".yaml,.yml"}),
        help_text="A .yaml or .yml file, UTF-8, at most 512 KB. A chosen file is used instead of the text below.",
    )
    text = forms.CharField(
        label="Or paste the policy text",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24, "cols": 100, "spellcheck": "false", "class": "vLargeTextField"}),
    )
    source_name = forms.CharField(
        label="Source name",
        required=False,
        max_length=200,
        help_text="Where this text comes from (a file name or a label), shown in problems and kept with the version. "
        "Defaults to the uploaded file's name.",
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        name = upload.name or ""
        if not name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError("Choose a .yaml or .yml file.")
        if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 512 KB.")
        raw = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 512 KB.")
        try:
            # Decoded as-is, like `manage.py load_policy`, so the same file gets the same checksum.
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise forms.ValidationError(f"The file is not valid UTF-8 text (line {line}).") from exc

    def clean_text(self) -> str:
        # Browsers send a text box's line breaks as CRLF; nobody pasting YAML meant them.
        text: str = self.cleaned_data.get("text") or ""
        text = text.replace("\r\n", "\n")
        if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The text is larger than 512 KB.")
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        file_text, pasted = cleaned.get("file"), cleaned.get("text") or ""
        upload = self.files.get("file")
        if file_text is not None:
            cleaned["policy_text"] = file_text
            default_source = PurePath(getattr(upload, "name", "") or "").name or "uploaded file"
        elif pasted.strip():
            cleaned["policy_text"] = pasted
            default_source = PASTED_SOURCE
        else:
            raise forms.ValidationError("Choose a policy file or paste the policy text.")
        cleaned["source_name"] = (cleaned.get("source_name") or "").strip() or default_source
        return cleaned


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin[PolicyVersion]):
    """Versions are history: they are added by `manage.py load_policy` or the load form, never edited here."""

    list_display = ["name", "version", "effective_from", "loaded_at", "source_name"]
    ordering = ["-effective_from", "-id"]
    readonly_fields = [
        "name",
        "version",
        "effective_from",
        "loaded_at",
        "source_name",
        "source_sha256",
        "source_text",
        "data",
    ]
    change_list_template = "admin/policy/policyversion/change_list.html"
    load_template = "admin/policy/policyversion/load_version.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Only the load view sets the flag: the standard add form (a bare model form) stays closed.
        return bool(getattr(request, _LOADING, False)) and self.may_load(request)

    def may_load(self, request: HttpRequest) -> bool:
        """Whether this user may load a new version (the model's ordinary add permission)."""
        return super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        # Cases point at the version that applied to them; deleting history would orphan them.
        return False

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [path("load/", self.admin_site.admin_view(self.load_view), name="{}_{}_load".format(*info))]
        return own + super().get_urls()  # before the catch-all object URLs

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            in_force: PolicyVersion | None = current_version()
        except PolicyError:
            in_force = None  # nothing loaded and the configured file is broken: loading one here is the fix
        context = {
            "version_in_force": in_force,
            "may_load_policy": self.may_load(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def load_view(self, request: HttpRequest) -> HttpResponse:
        setattr(request, _LOADING, True)
        if not self.has_add_permission(request):
            raise PermissionDenied
        problems: list[str] = []
        if request.method == "POST":
            form = LoadPolicyForm(request.POST, request.FILES)
            if form.is_valid():
                text, source_name = form.cleaned_data["policy_text"], form.cleaned_data["source_name"]
                try:
                    version, created = load_policy_version(text=text, source_name=source_name, actor=request.user)
                except PolicyError as exc:
                    problems = [str(problem) for problem in exc.errors]
                    # Show the text that was checked, so it can be fixed here; a file input cannot be refilled.
                    form = LoadPolicyForm(initial={"text": text, "source_name": form.cleaned_data["source_name"]})
                else:
                    if created:
                        self.message_user(request, self._loaded_message(version), messages.SUCCESS)
                    else:
                        self.message_user(request, f"No change: this text is already version {version.version}.", messages.INFO)
                    return HttpResponseRedirect(reverse(f"{self.admin_site.name}:policy_policyversion_changelist"))
        else:
            form = LoadPolicyForm()
        latest = PolicyVersion.objects.order_by("-effective_from", "-id").first()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Load a new policy version",
            "form": form,
            "problems": problems,
            "latest": latest,
            "max_kb": MAX_UPLOAD_BYTES // 1024,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.load_template, context)

    @staticmethod
    def _loaded_message(version: PolicyVersion) -> str:
        day = date_format(version.effective_from, "j F Y")
        if version.effective_from > timezone.localdate():
            return f"Loaded {version.name} version {version.version}. It takes effect on {day}; the current version applies until then."
        return f"Loaded {version.name} version {version.version}, in force from {day}."
