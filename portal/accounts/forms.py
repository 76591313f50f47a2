"""The sign-in form: allauth's, refusing accounts that are systems rather than people."""

from __future__ import annotations

from typing import Any, cast

from allauth.account.forms import LoginForm
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from portal.forms import PortalFormMixin
from portal.roles import Role, capabilities_of, signs_in_to_browser

from .rules import grantable_roles

API_CLIENT_REFUSED = (
    "This is an API client account. It calls the API with its key and cannot sign in to the "
    "portal's pages. To use the portal, sign in with your own account."
)


class PortalLoginForm(LoginForm):
    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        user = getattr(self, "user", None)  # set by allauth once the password is right
        if user is not None and not signs_in_to_browser(user.role):
            self.user = None
            raise ValidationError(API_CLIENT_REFUSED, code="api_client_account")
        return cleaned


class PersonInviteForm(PortalFormMixin, forms.Form):
    """Who to invite, and the role they will hold (the roles this manager may give)."""

    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    email = forms.EmailField(
        label="Email address", help_text="The invitation goes here; it is also their username."
    )
    role = forms.ChoiceField(widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(self.user)


class PersonRoleForm(PortalFormMixin, forms.Form):
    role = forms.ChoiceField(widget=forms.RadioSelect, label="New role")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(self.user)


def role_choices(manager: Any) -> list[tuple[str, str]]:
    """The roles `manager` may give, with their names, e.g. ("brokerage", "Brokerage officer")."""
    if manager is None or not getattr(manager, "is_authenticated", False):
        return []
    roles = grantable_roles(
        manager_capabilities=capabilities_of(manager), organisation_kind=manager.organisation.kind
    )
    return [(role, Role(role).label) for role in roles]


class InvitationPasswordForm(PortalFormMixin, forms.Form):
    """The invitee chooses their password (Django's password rules apply)."""

    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters; not a common password, not all numbers, not like your name.",
    )
    password2 = forms.CharField(
        label="Type it again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, person: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", "The two passwords are not the same.")
        elif one:
            try:
                validate_password(one, self.person)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned
