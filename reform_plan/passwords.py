"""Password rules: Django's four validators, with a minimum length of 10 (README, "Bảo mật").

Django 5.2 renamed the placeholder in the minimum-length message, and its Vietnamese catalog
still has the old one, so that message would show in English. This validator says it in our
own words.
"""

from django.contrib.auth.password_validation import MinimumLengthValidator
from django.utils.translation import gettext as _


class MinimumLengthValidatorVi(MinimumLengthValidator):
    """At least ``min_length`` characters, with the message in Vietnamese."""

    def get_error_message(self) -> str:
        return _("Mật khẩu quá ngắn: cần ít nhất %(n)d ký tự.") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("Mật khẩu phải có ít nhất %(n)d ký tự.") % {"n": self.min_length}
