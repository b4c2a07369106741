"""Vietnamese first: the interface is Vietnamese unless the user picked another language."""

from django.conf import settings
from django.utils import translation


class ChosenLanguageMiddleware:
    """Activate the language chosen with the language switch (its cookie), else Vietnamese.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and most browsers in
    Vietnamese offices are set to English; officials expect Vietnamese regardless.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
