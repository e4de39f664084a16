from django.utils.functional import SimpleLazyObject

from grid.selectors import user_scope


def viewer_scope(request):
    """The signed-in user's scope, for menus that show bureau-only entries;
    worked out only on pages that ask (and cached on the user)."""
    return {
        "viewer_scope": SimpleLazyObject(
            lambda: user_scope(user=getattr(request, "user", None))
        )
    }
