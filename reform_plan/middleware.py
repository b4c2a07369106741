"""Vietnamese first (the chosen language, else Vietnamese), and signed-in pages kept private."""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers


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


class PrivatePagesMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in user, and
    ``Vary: HX-Request`` on every response.

    On a shared office computer, Back after logging out must not show the previous user's page
    from the browser's cache: ``no-store`` keeps the browser (and any proxy) from storing it, so
    Back asks the server again, which answers with the login page. Downloads (Excel, PDF,
    evidence) are marked too; browsers still open and save them.

    Many views answer an htmx request (``HX-Request: true``) with a fragment of the page and a
    plain request with the whole page (entry, review, completeness, history, report,
    dashboards). A cache must then keep the two apart, so the header goes on every response,
    not only on those views': a new view cannot forget it, and it costs nothing, since pages
    of signed-in users are not stored at all and the only anonymous pages are the login and
    password-reset forms. Static files are served by whitenoise before this middleware and
    keep their long cache lifetime.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_vary_headers(response, ("HX-Request",))
        if "no-store" in response.get("Cache-Control", ""):
            return response  # already private (the 503 page: no user lookup during an outage)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
