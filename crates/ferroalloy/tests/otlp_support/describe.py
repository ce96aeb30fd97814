"""One JSON description of OTLP export requests, item by item, used both for
what the SDK sends (sdk_send.py) and for what arrives (capture.py), so the
tests compare like with like. Every span, data point and log record carries
its resource and scope, which makes the description independent of how a
pipeline regroups items into requests. Ids are lower-case hex, enums their
OTLP numbers, attribute values plain JSON (bytes as {"bytes": hex})."""


def value(any_value):
    kind = any_value.WhichOneof("value")
    if kind is None:
        return None
    v = getattr(any_value, kind)
    if kind == "array_value":
        return [value(x) for x in v.values]
    if kind == "kvlist_value":
        return attributes(v.values)
    if kind == "bytes_value":
        return {"bytes": v.hex()}
    return v


def attributes(key_values):
    return {kv.key: value(kv.value) for kv in key_values}


def _context(resource, scope):
    return {
        "resource": attributes(resource.resource.attributes),
        "scope": {
            "name": scope.scope.name,
            "version": scope.scope.version,
            "attributes": attributes(scope.scope.attributes),
        },
    }


def spans(request):
    out = []
    for rs in request.resource_spans:
        for ss in rs.scope_spans:
            for s in ss.spans:
                out.append(
                    {
                        "trace_id": s.trace_id.hex(),
                        "span_id": s.span_id.hex(),
                        "parent_span_id": s.parent_span_id.hex(),
                        "trace_state": s.trace_state,
                        "flags": s.flags,
                        "name": s.name,
                        "kind": s.kind,
                        "start_time_unix_nano": s.start_time_unix_nano,
                        "end_time_unix_nano": s.end_time_unix_nano,
                        "attributes": attributes(s.attributes),
                        "events": [
                            {"name": e.name, "time_unix_nano": e.time_unix_nano, "attributes": attributes(e.attributes)}
                            for e in s.events
                        ],
                        "links": [
                            {
                                "trace_id": l.trace_id.hex(),
                                "span_id": l.span_id.hex(),
                                "flags": l.flags,
                                "attributes": attributes(l.attributes),
                            }
                            for l in s.links
                        ],
                        "status": {"code": s.status.code, "message": s.status.message},
                        **_context(rs, ss),
                    }
                )
    return out


def points(request):
    out = []
    for rm in request.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                kind = m.WhichOneof("data")
                data = getattr(m, kind)
                base = {"metric": m.name, "unit": m.unit, "description": m.description, "type": kind}
                if kind in ("sum", "histogram", "exponential_histogram"):
                    base["temporality"] = data.aggregation_temporality
                if kind == "sum":
                    base["monotonic"] = data.is_monotonic
                for p in data.data_points:
                    point = dict(
                        base,
                        attributes=attributes(p.attributes),
                        start_time_unix_nano=p.start_time_unix_nano,
                        time_unix_nano=p.time_unix_nano,
                        **_context(rm, sm),
                    )
                    if kind in ("sum", "gauge"):
                        point["value"] = getattr(p, p.WhichOneof("value"))
                    elif kind == "histogram":
                        point.update(
                            count=p.count,
                            sum=p.sum,
                            bucket_counts=list(p.bucket_counts),
                            explicit_bounds=list(p.explicit_bounds),
                            min=p.min,
                            max=p.max,
                        )
                    out.append(point)
    return out


def records(request):
    out = []
    for rl in request.resource_logs:
        for sl in rl.scope_logs:
            for r in sl.log_records:
                out.append(
                    {
                        "time_unix_nano": r.time_unix_nano,
                        "observed_time_unix_nano": r.observed_time_unix_nano,
                        "severity_number": r.severity_number,
                        "severity_text": r.severity_text,
                        "body": value(r.body),
                        "attributes": attributes(r.attributes),
                        "trace_id": r.trace_id.hex(),
                        "span_id": r.span_id.hex(),
                        "flags": r.flags,
                        "event_name": r.event_name,
                        **_context(rl, sl),
                    }
                )
    return out
