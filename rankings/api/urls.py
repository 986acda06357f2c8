from django.urls import path
from django.views.decorators.http import require_safe
from drf_spectacular.views import SpectacularAPIView

from rankings.api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", require_safe(views.api_docs), name="docs"),
    path("rounds/", views.RoundList.as_view(), name="rounds"),
    path("groups/", views.GroupList.as_view(), name="groups"),
    path("units/", views.UnitList.as_view(), name="units"),
    path("rounds/<int:year>/results/", views.ResultList.as_view(), name="results"),
    path("rounds/<int:year>/results/<str:unit>/", views.ResultDetail.as_view(), name="result"),
]
