"""Login, logout and password change: Django's own views, with our pages and plain-words messages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.messages.views import SuccessMessageMixin
from django.urls import reverse_lazy

WRONG_LOGIN = "Wrong username or password. Check both and try again; the password is case-sensitive."
# What a person left out, said as what to do (not "This field is required.").
MISSING = {
    "username": "Enter your username.",
    "password": "Enter your password.",
    "old_password": "Enter your current password.",
    "new_password1": "Enter a new password.",
    "new_password2": "Enter the new password again.",
}


def say_what_is_missing(form: forms.Form) -> None:
    for name, field in form.fields.items():
        if name in MISSING:
            field.error_messages["required"] = MISSING[name]


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": WRONG_LOGIN,
        "inactive": "This account is switched off. Ask an administrator of Recordkeeper to switch it on.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_what_is_missing(self)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        say_what_is_missing(self)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Logs out on POST only (a link cannot log anyone out), then shows the login page."""


class PasswordChangeView(SuccessMessageMixin, auth_views.PasswordChangeView):  # type: ignore[type-arg]
    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("home")
    success_message = "Your password has been changed."
