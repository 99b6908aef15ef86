"""The admin for admin stewards: stewards and their own identities, and nothing about cases.

Persons, identities in general and every cases model stay out of the admin on purpose: it would
bypass the case access layer (recusal, conflicts, access logging). Every change goes through
people.actions so it is audited and identities merge the way recusal needs.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.checks import InlineModelAdminChecks
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.http import HttpRequest
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.actions import do_remove_two_factor
from people.actions import do_create_steward, do_deactivate_steward, do_link_identity, do_unlink_identity, do_update_steward
from people.models import Identity, Person, Space, StewardProfile, normalise_handle

IDENTITY_FIELDS = ["space", "handle"]


def held_by_another_steward(space: str, handle: str, person_id: int | None = None) -> bool:
    holders = Identity.objects.filter(space=space, handle=handle, person__steward_profile__isnull=False)
    if person_id is not None:
        holders = holders.exclude(person_id=person_id)
    return holders.exists()


class StewardCreationForm(forms.ModelForm):
    username = forms.CharField(label="User name", max_length=150, validators=[UnicodeUsernameValidator()])
    email = forms.EmailField(
        label="E-mail address",
        help_text="Linked to the steward's own person, so they are recused from any case that names it.",
    )
    password1 = forms.CharField(
        label="Initial password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Optional. Without one the steward cannot sign in until a password is set (manage.py changepassword).",
    )
    password2 = forms.CharField(
        label="Initial password, again",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = StewardProfile
        fields = ["public_name", "is_admin"]

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise ValidationError("That user name is taken.")
        return username

    def clean_email(self) -> str:
        email = normalise_handle(Space.EMAIL, self.cleaned_data["email"])
        if held_by_another_steward(Space.EMAIL, email):
            raise ValidationError("This e-mail address belongs to another steward.")
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first or second:
            if first != second:
                self.add_error("password2", "The two passwords differ.")
            else:
                user = get_user_model()(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
                try:
                    password_validation.validate_password(first, user)  # type: ignore[arg-type]
                except ValidationError as error:
                    self.add_error("password1", error)
        return cleaned


class StewardChangeForm(forms.ModelForm):
    class Meta:
        model = StewardProfile
        fields = ["public_name", "is_admin"]

    def clean_is_admin(self) -> bool:
        is_admin: bool = self.cleaned_data["is_admin"]
        profile = self.instance  # still the saved values while fields are cleaned
        others = StewardProfile.objects.filter(is_active=True, is_admin=True).exclude(pk=profile.pk)
        if profile.is_admin and profile.is_active and not is_admin and not others.exists():
            raise ValidationError("At least one active admin steward is needed.")
        return is_admin


class IdentityInlineForm(forms.ModelForm):
    """New rows only: a linked identity is never edited in place (delete it and link the right one)."""

    class Meta:
        model = Identity
        fields = IDENTITY_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.Meta.fields:
                self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        space, handle = cleaned.get("space"), cleaned.get("handle")
        if self.instance.pk or not space or handle is None:
            return cleaned
        cleaned["handle"] = handle = normalise_handle(space, handle)
        if not handle:
            self.add_error("handle", "Enter a handle.")
        elif held_by_another_steward(space, handle, self.instance.person_id):
            self.add_error("handle", "That identity belongs to another steward.")
        return cleaned

    # An identity somebody else holds is not an error: linking it merges the two persons.
    def validate_unique(self) -> None:
        pass

    def validate_constraints(self) -> None:
        pass


class StewardIdentityFormSet(BaseInlineFormSet):
    """Identities hang off the steward's person, not the profile the admin page is about."""

    def __init__(self, data: Any = None, files: Any = None, instance: Any = None, **kwargs: Any) -> None:
        if isinstance(instance, StewardProfile):
            instance = instance.person if instance.person_id else None
        super().__init__(data, files, instance=instance, **kwargs)

    @classmethod
    def get_default_prefix(cls) -> str:
        return "identities"


class _IdentityInlineChecks(InlineModelAdminChecks):
    def _check_relation(self, obj: Any, parent_model: Any) -> list[Any]:
        return []  # the relation goes through StewardProfile.person, handled by the formset above


class StewardIdentityInline(admin.TabularInline):
    model = Identity
    form = IdentityInlineForm
    fields = ("space", "handle")
    extra = 1
    checks_class = _IdentityInlineChecks
    verbose_name = "identity"
    verbose_name_plural = "This steward's identities (they are recused from cases that name any of them)"

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        return inlineformset_factory(
            Person,
            Identity,
            form=IdentityInlineForm,
            formset=StewardIdentityFormSet,
            fields=IDENTITY_FIELDS,
            extra=self.extra,
            can_delete=self.has_delete_permission(request, obj),
        )


@admin.register(StewardProfile)
class StewardProfileAdmin(admin.ModelAdmin[StewardProfile]):
    form = StewardChangeForm
    add_form = StewardCreationForm
    list_display = ["public_name", "user", "is_active", "is_admin", "two_factor"]
    list_filter = ["is_active", "is_admin"]
    search_fields = ["public_name", "user__username"]
    actions = ["deactivate_stewards", "remove_two_factor"]
    inlines = [StewardIdentityInline]
    readonly_fields = ["user", "person", "is_active", "joined_at", "deactivated_at", "two_factor"]
    fieldsets = [
        (None, {"fields": ["public_name", "is_admin"]}),
        ("Account", {"fields": ["user", "person", "is_active", "joined_at", "deactivated_at", "two_factor"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "email", "public_name", "is_admin", "password1", "password2"]})]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StewardProfile]:
        devices = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
        return super().get_queryset(request).select_related("user", "person").annotate(has_two_factor=Exists(devices))

    @admin.display(boolean=True, description="Two-factor sign-in")
    def two_factor(self, obj: StewardProfile) -> bool:
        return bool(getattr(obj, "has_two_factor", False))

    def get_fieldsets(self, request: HttpRequest, obj: StewardProfile | None = None) -> Any:
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: StewardProfile | None = None) -> Any:
        return [] if obj is None else super().get_readonly_fields(request, obj)

    def get_form(self, request: HttpRequest, obj: StewardProfile | None = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inline_instances(self, request: HttpRequest, obj: StewardProfile | None = None) -> Any:
        return [] if obj is None or obj.pk is None else super().get_inline_instances(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: StewardProfile | None = None) -> bool:
        return False  # stewards are deactivated, never deleted: the audit log and cases refer to them

    def save_model(self, request: HttpRequest, obj: StewardProfile, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            do_update_steward(request.user, obj, public_name=data["public_name"], is_admin=data["is_admin"])
            return
        profile = do_create_steward(
            request.user,
            username=data["username"],
            email=data["email"],
            public_name=data["public_name"],
            password=data.get("password1") or None,
            is_admin=data["is_admin"],
        )
        # The admin carries on with the object it built: make it the saved one.
        obj.pk, obj.user, obj.person, obj.joined_at = profile.pk, profile.user, profile.person, profile.joined_at
        obj._state.adding, obj._state.db = False, profile._state.db

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if not isinstance(formset, StewardIdentityFormSet):
            super().save_formset(request, form, formset, change)
            return
        person = form.instance.person
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for identity_form in formset.deleted_forms:
            if identity_form.instance.pk:
                do_unlink_identity(request.user, identity_form.instance)
                formset.deleted_objects.append(identity_form.instance)
        for identity_form in formset.extra_forms:
            if identity_form.has_changed() and identity_form not in formset.deleted_forms:
                data = identity_form.cleaned_data
                formset.new_objects.append(do_link_identity(request.user, person, data["space"], data["handle"]))

    @admin.action(description="Deactivate selected stewards", permissions=["change"])
    def deactivate_stewards(self, request: HttpRequest, queryset: QuerySet[StewardProfile]) -> None:
        done = 0
        for profile in queryset:
            if profile.user_id == request.user.pk:
                self.message_user(request, "You cannot deactivate yourself.", messages.ERROR)
            elif profile.is_active:
                do_deactivate_steward(request.user, profile)
                done += 1
        if done:
            message = ngettext("%(count)d steward deactivated.", "%(count)d stewards deactivated.", done) % {"count": done}
            self.message_user(request, message, messages.SUCCESS)

    @admin.action(description="Remove two-factor sign-in (lost phone)", permissions=["change"])
    def remove_two_factor(self, request: HttpRequest, queryset: QuerySet[StewardProfile]) -> None:
        done = 0
        for profile in queryset:
            if TOTPDevice.objects.filter(user=profile.user).exists():
                do_remove_two_factor(request.user, profile.user)
                done += 1
        self.message_user(request, f"Two-factor sign-in removed for {done} steward(s).", messages.SUCCESS)
