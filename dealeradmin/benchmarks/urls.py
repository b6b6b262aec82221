"""The dashboard's URLs plus the benchmark-only admin; used only while benchmarking."""

from django.urls import path

from dealeradmin.urls import urlpatterns as dashboard_urlpatterns

from .admin_site import bench_site

urlpatterns = [*dashboard_urlpatterns, path("bench-admin/", bench_site.urls)]
