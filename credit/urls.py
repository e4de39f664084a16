from django.urls import path

from credit.views import pages, public

app_name = "credit"
urlpatterns = [
    path("", pages.cycle_list, name="cycle-list"),
    path("cycles/<int:pk>/", pages.cycle_detail, name="cycle-detail"),
    path("cycles/<int:pk>/<slug:action>/", pages.cycle_action, name="cycle-action"),
    path("evaluations/<int:pk>/", pages.evaluation_detail, name="evaluation-detail"),
    path(
        "evaluations/<int:pk>/self-assessment/",
        pages.self_assessment,
        name="self-assessment",
    ),
    path(
        "evaluations/<int:pk>/evidence/<int:answer_id>/",
        pages.answer_evidence,
        name="answer-evidence",
    ),
    path("my/", pages.my_credit, name="my-credit"),
    path("enterprises/<int:pk>/", pages.enterprise_credit, name="enterprise-credit"),
    path("enterprises/<int:pk>/appeal/", pages.appeal_new, name="appeal-new"),
    path("enterprises/<int:pk>/reply/", pages.reply_new, name="reply-new"),
    path("enterprises/<int:pk>/repair/", pages.repair_new, name="repair-new"),
    path(
        "enterprises/<int:pk>/night-work/",
        pages.night_work_new,
        name="night-work-new",
    ),
    path("enterprises/<int:pk>/sticker.svg", pages.sticker_svg, name="sticker-svg"),
    path("enterprises/<int:pk>/sticker.pdf", pages.sticker_pdf, name="sticker-pdf"),
    path(
        "enterprises/<int:pk>/sticker/reissue/",
        pages.sticker_reissue,
        name="sticker-reissue",
    ),
    path("appeals/", pages.appeal_list, name="appeal-list"),
    path("appeals/<int:pk>/", pages.appeal_detail, name="appeal-detail"),
    path("appeals/<int:pk>/evidence/", pages.appeal_evidence, name="appeal-evidence"),
    path("repairs/", pages.repair_list, name="repair-list"),
    path("repairs/<int:pk>/", pages.repair_detail, name="repair-detail"),
    path("repairs/<int:pk>/evidence/", pages.repair_evidence, name="repair-evidence"),
    path("replies/", pages.reply_list, name="reply-list"),
    path("night-work/", pages.night_work_list, name="night-work-list"),
    path("published/", public.published_list, name="published-list"),
    path("published/<int:pk>/", public.published_detail, name="published-detail"),
    path(
        "published/<int:pk>/export.csv",
        public.published_export,
        name="published-export",
    ),
]
