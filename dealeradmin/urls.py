from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("dealeradmin.overview.urls")),
    path("", include("dealeradmin.accounts.urls")),
    path("", include("dealeradmin.clusters.urls")),
    path("board/", include("dealeradmin.board.urls")),
    path("tags/", include("dealeradmin.tags.urls")),
    path("audit/", include("dealeradmin.audit.urls")),
    path("admin/", admin.site.urls),
    path("", include("dealeradmin.core.urls")),
]
