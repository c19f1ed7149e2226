"""OpenTelemetry tracing (HTTP and NATS) and the service's Prometheus registry."""

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


def tracer_provider(
    service: str, otlp_endpoint: str | None, sample_ratio: float = 1.0
) -> TracerProvider:
    """A provider for this service; spans are recorded and exported only when an OTLP endpoint
    is set (``sample_ratio`` of the traces that start here). Unrecorded spans still carry trace
    ids, so logs and the context propagated over HTTP and NATS keep them."""
    ratio = sample_ratio if otlp_endpoint else 0.0
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"atelier-{service}"}),
        sampler=ParentBased(TraceIdRatioBased(ratio)),
    )
    if otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"{otlp_endpoint}/v1/traces"))
        )
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        trace.set_tracer_provider(provider)
    return provider


class Metrics:
    """Metrics every service exports; FastStream's middleware adds message metrics to the same
    registry."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "atelier_http_requests",
            "HTTP requests served",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_duration = Histogram(
            "atelier_http_request_duration_seconds",
            "HTTP request duration",
            ["method", "route"],
            registry=self.registry,
        )
        self.outbox_published = Counter(
            "atelier_outbox_published", "Outbox rows published", registry=self.registry
        )
        self.outbox_lag = Histogram(
            "atelier_outbox_lag_seconds",
            "Time from commit to publish of outbox rows",
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "atelier_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest outbox row still to publish, read by the relay each round (0: "
            "none; parked rows are left out: see atelier_outbox_parked)",
            registry=self.registry,
        )
        self.outbox_parked = Gauge(
            "atelier_outbox_parked",
            "Outbox rows parked after their last attempt, waiting for `dlq retry-outbox`",
            registry=self.registry,
        )
        self.outbox_publish_failures = Counter(
            "atelier_outbox_publish_failures",
            "Failed publications of the outbox relay, by fault: 'message' (the broker refused "
            "the row, which waits for its next attempt) or 'broker' (NATS down or not "
            "answering: the round stopped, no row charged)",
            ["fault"],
            registry=self.registry,
        )
        self.rpc_duration = Histogram(
            "atelier_rpc_duration_seconds",
            "Time to answer an rpc request, by subject and outcome (ok or the problem status)",
            ["subject", "outcome"],
            registry=self.registry,
        )
        self.rpc_refused = Counter(
            "atelier_rpc_refused_total",
            "rpc requests refused at once because the service was at capacity (load shed)",
            ["subject"],
            registry=self.registry,
        )
        self.rows_purged = Counter(
            "atelier_rows_purged",
            "Rows deleted by housekeeping once past their retention, by table",
            ["table"],
            registry=self.registry,
        )
        self.objects_purged = Counter(
            "atelier_objects_purged",
            "Stored objects deleted by housekeeping: under prefix, referenced by no row, past "
            "the grace period (orphans of a crash between storing and committing)",
            ["prefix"],
            registry=self.registry,
        )
        self.consumer_pending = Gauge(
            "atelier_consumer_pending",
            "Messages a durable consumer has not been delivered yet (its queue lag)",
            ["consumer"],
            registry=self.registry,
        )
        self.consumer_ack_pending = Gauge(
            "atelier_consumer_ack_pending",
            "Messages delivered to a durable consumer and not acknowledged yet",
            ["consumer"],
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "atelier_messages_dead_lettered",
            "Messages sent to the dead-letter subject",
            ["subject"],
            registry=self.registry,
        )
