from django.urls import path

from mesa import views

app_name = "mesa"

urlpatterns = [
    path("<slug:slug>/", views.table_detail, name="table-detail"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
