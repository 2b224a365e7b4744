from django.urls import re_path

from mechanic_shop.api.routers import OptionalSlashRouter
from mechanic_shop.api.viewsets import ID_PATTERN
from tickets.clock_views import TicketClockViewSet, TicketTimeEntriesViewSet
from tickets.estimate_views import EstimateListViewSet, PublicEstimateViewSet, TrackViewSet, approve_page
from tickets.links import TOKEN_PATTERN
from tickets.views import (
    CustomerTicketsViewSet,
    EfficiencyLeaderboardViewSet,
    MechanicTicketsViewSet,
    ServiceTicketViewSet,
    VehicleServiceHistoryViewSet,
)

router = OptionalSlashRouter()
router.register("service-tickets", ServiceTicketViewSet)
router.register("customers/my-tickets", CustomerTicketsViewSet, basename="customer-my-tickets")
router.register("mechanics/my-tickets", MechanicTicketsViewSet, basename="mechanic-my-tickets")
router.register(
    rf"vehicles/(?P<vehicle_id>{ID_PATTERN})/service-history",
    VehicleServiceHistoryViewSet,
    basename="vehicle-service-history",
)
# The time clock.
router.register(rf"service-tickets/(?P<ticket_id>{ID_PATTERN})", TicketClockViewSet, basename="ticket-clock")
router.register(
    rf"service-tickets/(?P<ticket_id>{ID_PATTERN})/time-entries",
    TicketTimeEntriesViewSet,
    basename="ticket-time-entries",
)
router.register("mechanics/leaderboard/efficiency", EfficiencyLeaderboardViewSet, basename="mechanic-efficiency")
# Estimates: the shop's list, and the customer's side by link (no login).
router.register("estimates", EstimateListViewSet, basename="estimate")
router.register("estimates", PublicEstimateViewSet, basename="public-estimate")
router.register("track", TrackViewSet, basename="track")

# The customer's HTML page (what an estimate's approval_url opens): Django views, not the JSON API.
page_patterns = [re_path(rf"^approve/(?P<token>{TOKEN_PATTERN})/?$", approve_page, name="approve-page")]
