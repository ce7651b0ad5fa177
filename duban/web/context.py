from django.conf import settings


def duban(request):
    return {"DEMO_MODE": settings.DEMO_MODE}
