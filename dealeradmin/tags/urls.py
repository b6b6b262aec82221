from django.urls import path

from . import views

app_name = "tags"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("merge/", views.tag_merge, name="merge"),
    path("<int:tag_id>/rename/", views.tag_rename, name="rename"),
    path("delete/", views.tag_delete, name="delete"),
    path("bulk/", views.tag_bulk, name="bulk"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/resume/", views.job_resume, name="resume"),
    path("jobs/<int:job_id>/revert/", views.job_revert, name="revert"),
]
