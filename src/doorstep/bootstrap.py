"""The one place that chooses concrete classes and wires them into the services' ports."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import MISSING, dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx2
from sqlalchemy import Engine

from doorstep.adapters.broadcast.memory import Hub, MemoryBroadcaster
from doorstep.adapters.carriers.generic_partner_http import GenericPartnerGateway
from doorstep.adapters.email import SmtpEmailSender, SmtpSecurity, SmtpSettings
from doorstep.adapters.geocoding.unavailable import UnavailableGeocoder
from doorstep.adapters.message_templates import JinjaMessageTemplates
from doorstep.adapters.passwords import Argon2Passwords
from doorstep.adapters.proof_files import FileProofStore
from doorstep.adapters.roads.basemap import Basemap
from doorstep.adapters.roads.haversine import HaversineTravelTimes
from doorstep.adapters.roads.osrm import OsrmTravelTimes
from doorstep.adapters.roads.regions import RegionStore
from doorstep.adapters.roads.road_travel import RoadGraphTravelTimes
from doorstep.adapters.roads.valhalla import ValhallaTravelTimes
from doorstep.adapters.sms import TwilioSettings, TwilioSmsSender
from doorstep.adapters.storage import schema
from doorstep.adapters.storage.engine import build_engine
from doorstep.adapters.storage.unit_of_work import SqlUnitOfWork
from doorstep.adapters.system import PacedClock, RandomIds, SystemClock, TokenSecrets
from doorstep.adapters.webhook_sender import HttpWebhookSender
from doorstep.config import Settings
from doorstep.domain.errors import NotFound
from doorstep.domain.fleet import SpeedProfile
from doorstep.domain.geocoding import GeocoderUnavailable
from doorstep.domain.handoffs import CarrierConnection
from doorstep.planning.decomposing import DecomposingOptimizer
from doorstep.planning.optimizer import RouteOptimizer
from doorstep.planning.travel import TravelTimes, TravelUnavailable
from doorstep.services import messages, webhooks
from doorstep.services.carriers.handoff import HandoffPorts
from doorstep.services.intake.checks import OrderChecks
from doorstep.services.message_links import LinkPorts
from doorstep.services.planning.jobs import PlanningJobs, PlanningPorts
from doorstep.services.planning.live import LivePorts, Matrices
from doorstep.services.ports import (
    CarrierGateway,
    CarrierGateways,
    Clock,
    Geocoder,
    IdGenerator,
    PasswordHasher,
    SecretGenerator,
)


class Cluster(Protocol):
    """A connection to a compute cluster (``adapters.dask_cluster``), closed with the container."""

    executor: Executor

    def close(self) -> None: ...


CARRIER_TIMEOUT_S = 15.0  # a partner's API answers a booking within this, or it failed


@dataclass(frozen=True)
class Container:
    """Everything a shell needs to call services; built once per process."""

    settings: Settings
    engine: Engine
    clock: Clock
    ids: IdGenerator
    secrets: SecretGenerator
    hasher: PasswordHasher
    regions: RegionStore
    _travel: dict[str, TravelTimes] = field(default_factory=dict, repr=False)
    _geocoders: dict[str, Geocoder] = field(default_factory=dict, repr=False)
    _executors: dict[str, Executor] = field(default_factory=dict, repr=False)
    _jobs: dict[str, PlanningJobs] = field(default_factory=dict, repr=False)
    _matrices: dict[str, Matrices] = field(default_factory=dict, repr=False)
    _clusters: dict[str, Cluster] = field(default_factory=dict, repr=False)
    _hubs: dict[str, Hub] = field(default_factory=dict, repr=False)
    _basemaps: dict[str, Basemap] = field(default_factory=dict, repr=False)
    _http: dict[str, httpx2.Client] = field(default_factory=dict, repr=False)
    _hubs_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # Request threads ask for the jobs concurrently; two stores would each forget the other's.
    _jobs_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def travel(self) -> TravelTimes:
        """The configured travel-time provider, made once (it caches routers and matrices)."""
        found = self._travel.get("default")
        if found is None:
            found = travel_provider(self.settings, self.regions)
            self._travel["default"] = found
        return found

    def basemap(self) -> Basemap:
        """The configured region's streets for the pages' map, cut into tiles on demand
        (raises NotFound until the region is built)."""
        with self._hubs_lock:
            found = self._basemaps.get(self.settings.region)
            if found is None:
                name = self.settings.region
                found = Basemap(
                    self.regions.graph(name, SpeedProfile.VAN),
                    self.regions.graph(name, SpeedProfile.CARGO_BIKE),
                )
                self._basemaps[name] = found
            return found

    def geocoder(self) -> Geocoder:
        """The configured geocoder, made once: the local one builds its index in memory, about
        a second for a city of 135,000 addresses."""
        found = self._geocoders.get("default")
        if found is not None:
            return found
        kind, url = self.settings.geocoder, self.settings.geocoder_url
        if kind == "local":
            found = self._local_index()()
        elif not url:
            raise GeocoderUnavailable(f"geocoder is {kind} but DOORSTEP_GEOCODER_URL is unset")
        elif kind == "nominatim":
            from doorstep.adapters.geocoding.nominatim import NominatimGeocoder

            found = NominatimGeocoder(url, country_codes=self.settings.country)
        else:
            from doorstep.adapters.geocoding.pelias import PeliasGeocoder

            found = PeliasGeocoder(url, country_codes=self.settings.country)
        self._geocoders["default"] = found
        return found

    def checks(self) -> OrderChecks:
        """The order data checks with this installation's geocoder and travel times."""
        try:
            geocoder: Geocoder = self.geocoder()
        except GeocoderUnavailable as error:
            # Orders are still taken (and held for a person) when no geocoder can answer.
            return OrderChecks(
                UnavailableGeocoder(str(error)), self.travel(), self.settings.country
            )
        # Only the local geocoder can be loaded by import workers; a remote one is asked from
        # this process alone.
        source = self._local_index() if self.settings.geocoder == "local" else None
        return OrderChecks(geocoder, self.travel(), self.settings.country, source)

    def _local_index(self) -> LocalIndex:
        return LocalIndex(self.regions.root, self.settings.region)

    def timezone(self) -> str:
        """The configured region's time zone (UTC until the region is built)."""
        try:
            return self.regions.info(self.settings.region).timezone
        except NotFound:
            return "UTC"

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work: one per request or command, never shared between threads."""
        return SqlUnitOfWork(self.engine)

    def reader(self) -> SqlUnitOfWork:
        """A fresh unit of work that only reads (authentication, GET requests)."""
        return SqlUnitOfWork(self.engine, read_only=True)

    def message_templates(self) -> JinjaMessageTemplates:
        return JinjaMessageTemplates()

    def email_sender(self) -> SmtpEmailSender | None:
        """The SMTP sender of customer e-mail; None when no server is configured."""
        s = self.settings
        if s.smtp_host is None:
            return None
        return SmtpEmailSender(
            SmtpSettings(
                s.smtp_host,
                s.smtp_port,
                s.smtp_from,
                security=SmtpSecurity(s.smtp_security),
                username=s.smtp_username,
                password=s.smtp_password,
            )
        )

    def sms_sender(self) -> TwilioSmsSender | None:
        """Twilio's API for customer SMS; None when no account is configured."""
        s = self.settings
        if s.twilio_account_sid is None or s.twilio_auth_token is None:
            return None
        settings = TwilioSettings(s.twilio_account_sid, s.twilio_auth_token, s.twilio_from)
        if s.twilio_base_url:
            settings = replace(settings, base_url=s.twilio_base_url)
        return TwilioSmsSender(settings)

    def webhook_sender(self) -> HttpWebhookSender:
        return HttpWebhookSender()

    def carrier_gateways(self) -> CarrierGateways:
        """Partner carriers' gateways, made per stored connection over one shared client."""
        with self._hubs_lock:
            client = self._http.get("carriers")
            if client is None:
                client = httpx2.Client(timeout=CARRIER_TIMEOUT_S, follow_redirects=False)
                self._http["carriers"] = client

        def gateway(carrier_code: str, connection: CarrierConnection) -> CarrierGateway:
            return GenericPartnerGateway(
                carrier_code, connection.base_url, connection.api_key, client=client
            )

        return gateway

    def handoff_ports(self) -> HandoffPorts:
        # The proof store keeps the images of partners' proofs of delivery.
        return HandoffPorts(
            self.uow(),
            self.clock,
            self.ids,
            self.carrier_gateways(),
            self.broadcaster(),
            proofs=self.proofs(),
        )

    def run_outbox_once(self, rng: Callable[[], float]) -> tuple[int, int]:
        """Send the customer messages and webhook deliveries that are due; how many of each."""
        links = LinkPorts(self.uow, self.clock, self.ids, self.secrets, self.settings.public_url)
        # The HTTP senders hold connection pools: closed after each pass, not leaked per pass.
        with ExitStack() as held:
            sms = self.sms_sender()
            if sms is not None:
                held.enter_context(sms)
            hooks = held.enter_context(self.webhook_sender())
            sent = messages.send_due(
                uow=self.uow, templates=self.message_templates(), email=self.email_sender(),
                sms=sms, clock=self.clock, rng=rng, links=links,
            )  # fmt: skip
            delivered = webhooks.deliver_due(uow=self.uow, sender=hooks, clock=self.clock, rng=rng)
        return sent, delivered

    def broadcaster(self) -> Hub:
        """The live pages' notices, made once per process: through PostgreSQL's LISTEN/NOTIFY
        on PostgreSQL (where several server processes may run), else within this process."""
        with self._hubs_lock:
            found = self._hubs.get("default")
            if found is None:
                if self.engine.dialect.name == "postgresql":
                    # Imported here: psycopg is only needed on PostgreSQL.
                    from doorstep.adapters.broadcast.postgres import PostgresBroadcaster

                    found = PostgresBroadcaster(self.engine)
                else:
                    found = MemoryBroadcaster()
                self._hubs["default"] = found
            return found

    def proofs(self) -> FileProofStore:
        """Proof-of-delivery images, in the data directory."""
        return FileProofStore(self.settings.proofs_dir)

    @property
    def session_ttl(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)

    def migrate(self) -> tuple[str | None, str]:
        return schema.upgrade(self.engine)

    def executor(self) -> Executor:
        """The local worker pool, started on first use and shut down by ``close``."""
        found = self._executors.get("local")
        if found is None:
            found = ProcessPoolExecutor(max_workers=self.settings.workers or os.cpu_count() or 1)
            self._executors["local"] = found
        return found

    def planning_executor(self) -> Executor:
        """Where the parts of big planning days run: a Dask cluster if configured, else locally."""
        address = self.settings.executor
        if not address:
            return self.executor()
        found = self._clusters.get("dask")
        if found is None:
            # Imported here: only installations that plan on a cluster pay for loading Dask.
            from doorstep.adapters.dask_cluster import DaskCluster

            found = DaskCluster(address)
            self._clusters["dask"] = found
        return found.executor

    def plan_matrices(self) -> Matrices:
        """Travel matrices of recent plan versions, for live changes (one per process)."""
        with self._jobs_lock:
            return self._matrices.setdefault("default", Matrices())

    def live_ports(self) -> LivePorts:
        """What a live change to a running plan needs, with a fresh unit of work."""
        return LivePorts(
            self.uow(), self.travel(), self.plan_matrices(), self.clock, self.ids,
            self.broadcaster(),
        )  # fmt: skip

    def planning_jobs(self) -> PlanningJobs:
        """The API process's planning jobs, made once; one runs at a time, each on its own thread
        (the solver takes the cores it needs, and jobs queue instead of starving requests)."""
        matrices = self.plan_matrices()  # before the lock: it takes the same one
        with self._jobs_lock:
            found = self._jobs.get("default")
            if found is None:
                pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="planning")
                self._executors["planning"] = pool
                ports = PlanningPorts(
                    uow=self.uow,
                    reader=self.reader,
                    travel=self.travel,
                    optimizer=lambda: optimizer(self.planning_executor()),
                    clock=self.clock,
                    ids=self.ids,
                    matrices=matrices,
                    broadcast=self.broadcaster(),
                )
                found = PlanningJobs(pool, ports)
                self._jobs["default"] = found
            return found

    def variant(self, **changes: Any) -> Container:
        """This container with ``changes`` (other settings, another clock) and caches, jobs,
        workers and connections of its own: a plain ``dataclasses.replace`` would share this
        one's, so a planning job service made with the variant's clock would serve this
        container too. Same engine; close the variant when done with it."""
        fresh = {
            f.name: f.default_factory()
            for f in fields(self)
            if f.name.startswith("_") and f.default_factory is not MISSING
        }
        return replace(self, **changes, **fresh)

    def close(self) -> None:
        for hub in self._hubs.values():  # first: it ends the live streams waiting on it
            hub.close()
        self._hubs.clear()
        # A running job stops at its next progress report, so shutting its pool down is quick.
        for jobs in self._jobs.values():
            jobs.cancel_all()
        for pool in self._executors.values():
            pool.shutdown(cancel_futures=True)
        self._executors.clear()
        for cluster in self._clusters.values():
            cluster.close()
        self._clusters.clear()
        self._jobs.clear()
        for client in self._http.values():
            client.close()
        self._http.clear()
        self.engine.dispose()


@dataclass(frozen=True)
class LocalIndex:
    """Makes the local geocoder of a region; import workers get this, not the index itself
    (small to send, and equal for the same region, so each worker loads it once)."""

    regions: Path
    region: str

    def __call__(self) -> Geocoder:
        from doorstep.adapters.geocoding.local import LocalGeocoder

        return LocalGeocoder.from_region(RegionStore(self.regions), self.region)


def build(settings: Settings | None = None, *, clock: Clock | None = None) -> Container:
    settings = settings or Settings()
    return Container(
        settings=settings,
        engine=build_engine(settings.resolved_database_url),
        clock=clock or settings_clock(settings),
        ids=RandomIds(),
        secrets=TokenSecrets(),
        hasher=Argon2Passwords(fast=settings.fast_password_hashing),
        regions=RegionStore(settings.regions_dir),
    )


def settings_clock(settings: Settings) -> Clock:
    """The real clock, or a paced simulated one when ``clock_start`` is set (demos, load
    tests); it starts when the container is built, i.e. as the server starts."""
    if settings.clock_start is None:
        return SystemClock()
    return PacedClock(settings.clock_start, settings.clock_speed)


def travel_provider(settings: Settings, regions: RegionStore) -> TravelTimes:
    """The ``TravelTimes`` that ``settings.travel_provider`` names."""
    if settings.travel_provider == "osrm":
        if not settings.osrm_urls:
            raise TravelUnavailable("travel_provider is osrm but DOORSTEP_OSRM_URLS is empty")
        return OsrmTravelTimes(settings.osrm_urls)
    if settings.travel_provider == "valhalla":
        if not settings.valhalla_url:
            raise TravelUnavailable(
                "travel_provider is valhalla but DOORSTEP_VALHALLA_URL is unset"
            )
        return ValhallaTravelTimes(settings.valhalla_url)
    if settings.travel_provider == "haversine":
        return HaversineTravelTimes()
    return RoadGraphTravelTimes(
        regions,
        settings.region,
        max_snap_m=settings.max_snap_m,
        workers=settings.matrix_workers,
    )


def optimizer(executor: Executor | None = None) -> RouteOptimizer:
    """The route optimizer: PyVRP, decomposing big days over ``executor`` when one is given.

    Imported here so that commands which never plan do not load PyVRP.
    """
    from doorstep.adapters.solvers.pyvrp_optimizer import PyVRPOptimizer

    if executor is None:
        return PyVRPOptimizer()
    return DecomposingOptimizer(PyVRPOptimizer, executor)
