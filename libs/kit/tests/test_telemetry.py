from atelier.kit.telemetry import tracer_provider


def test_spans_are_recorded_only_when_exported_but_always_carry_trace_ids(monkeypatch) -> None:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    exported: list = []
    monkeypatch.setattr(OTLPSpanExporter, "export",
                        lambda self, spans: exported.extend(spans) or SpanExportResult.SUCCESS)
    quiet = tracer_provider("kit-test", None).get_tracer("t")
    with quiet.start_as_current_span("request") as span:
        assert not span.is_recording() and span.get_span_context().is_valid
        with quiet.start_as_current_span("child") as child:
            assert child.get_span_context().trace_id == span.get_span_context().trace_id
    exporting = tracer_provider("kit-test", "http://127.0.0.1:9", 1.0)
    with exporting.get_tracer("t").start_as_current_span("request") as span:
        assert span.is_recording()
    none_sampled = tracer_provider("kit-test", "http://127.0.0.1:9", 0.0).get_tracer("t")
    with none_sampled.start_as_current_span("request") as span:
        assert not span.is_recording()
    exporting.shutdown()
    assert [s.name for s in exported] == ["request"]
