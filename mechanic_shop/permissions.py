from rest_framework.permissions import BasePermission, DjangoModelPermissions

from mechanic_shop.authentication import caller_customer, is_staff_caller


class StaffModelPermissions(DjangoModelPermissions):
    """Staff act by Django model permissions, reads included (`view_`); everyone else is refused."""

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not is_staff_caller(request):
            return False
        return super().has_permission(request, view)

    def _queryset(self, view):
        # Only the model matters here: the class attribute names it without building the scoped queryset.
        queryset = getattr(view, "queryset", None)
        return queryset if queryset is not None else super()._queryset(view)


class IsCustomerCaller(BasePermission):
    """A customer token; the view's queryset keeps it to its own records."""

    def has_permission(self, request, view):
        return caller_customer(request) is not None


class IsAnonymous(BasePermission):
    """No token at all (self-registration)."""

    def has_permission(self, request, view):
        return not (request.user and request.user.is_authenticated)


class IsStaffCaller(BasePermission):
    """Any staff account, whatever its model permissions."""

    def has_permission(self, request, view):
        return is_staff_caller(request)
