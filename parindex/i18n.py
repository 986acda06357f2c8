"""Vietnamese first: the interface language is Vietnamese unless the user chose another one."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class VietnameseFirstMiddleware:
    """Ignore the browser's Accept-Language header.

    Many office computers of the province run an English operating system whose browser asks for
    English; the staff still expect ParIndex in Vietnamese. A user who picks English in the language
    menu gets it through the language cookie, which LocaleMiddleware honours.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
