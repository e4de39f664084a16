"""Pages of joint enforcement (联合执法), mounted at /joint/."""

from django.urls import path

from enforcement.views import joint

app_name = "joint"
urlpatterns = [
    path("", joint.inbox, name="inbox"),
    path("cases/", joint.case_list, name="case-list"),
    path("cases/new/", joint.case_new, name="case-new"),
    path("cases/<int:pk>/", joint.case_detail, name="case-detail"),
    path("cases/<int:pk>/act/", joint.case_act, name="case-act"),
    path("invitations/<int:pk>/", joint.invitation_detail, name="invitation-detail"),
    path("invitations/<int:pk>/act/", joint.invitation_act, name="invitation-act"),
    path("actions/<int:pk>/act/", joint.action_act, name="action-act"),
    path("actions/<int:pk>/m/", joint.action_mobile, name="action-mobile"),
    path("measures/<int:pk>/act/", joint.measure_act, name="measure-act"),
    path("rechecks/<int:pk>/act/", joint.recheck_act, name="recheck-act"),
    path("evidence/<int:pk>/", joint.evidence_download, name="evidence-download"),
    path("calendar/", joint.calendar, name="calendar"),
]
