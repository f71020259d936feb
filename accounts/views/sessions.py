"""The devices API: the user's live sessions (``GET /api/auth/sessions/``) and revoking one (``DELETE .../{id}/``)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import audit, selectors, services
from accounts.cookies import clear_auth_cookies
from accounts.serializers import SessionOutputSerializer
from accounts.views.base import CookieAuthAPIView, current_session_id
from jwtsite.openapi import CSRF_HEADER, errors


class SessionListView(CookieAuthAPIView):
    """The user's live sessions, newest first, the caller's own marked ``current``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["auth"], responses={200: SessionOutputSerializer(many=True), **errors(401)})
    def get(self, request: Request) -> Response:
        sessions = selectors.session_list_live(user=request.user)
        context = {"current_session_id": current_session_id(request)}
        return Response(SessionOutputSerializer(sessions, many=True, context=context).data)


class SessionDetailView(CookieAuthAPIView):
    """Revokes one of the user's sessions; 404 for anyone else's. 204."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["auth"],
        parameters=[CSRF_HEADER],
        responses={204: OpenApiResponse(description="That session revoked."), **errors(401, 403, 404)},
    )
    def delete(self, request: Request, session_id) -> Response:
        session = selectors.session_get_live(user=request.user, session_id=session_id)
        if session is None:
            raise exceptions.NotFound()
        services.session_revoke_one(session=session)
        self.audit(
            audit.SESSION_REVOKED,
            user_id=request.user.pk,
            session_id=session.pk,
            by="user",
            from_session_id=current_session_id(request),
        )
        response = Response(status=status.HTTP_204_NO_CONTENT)
        if str(session.pk) == current_session_id(request):
            clear_auth_cookies(response)
        return response
