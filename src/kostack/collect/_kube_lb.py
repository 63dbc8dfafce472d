"""Services of type LoadBalancer, their EndpointSlices and their events (read-only).

Three list calls whatever the number of such Services (more pages only past
``page_size`` objects):

- ``GET /api/v1/services?fieldSelector=spec.type=LoadBalancer`` (spec.type
  is a selectable field of Services: kubernetes pkg/apis/core/v1/conversion.go,
  AddFieldLabelConversionsForService);
- their EndpointSlices: one list with the label selector
  ``kubernetes.io/service-name in (...)`` (up to ``MAX_SELECTOR_NAMES`` names;
  beyond that, every EndpointSlice, so the URL stays short);
- ``GET /api/v1/events?fieldSelector=involvedObject.kind=Service``: what the
  cloud controller said about each Service (EnsuringLoadBalancer,
  SyncLoadBalancerFailed with OpenStack's error text, ...). Only the last
  ``EVENTS_PER_SERVICE`` events of each LoadBalancer Service are kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from kostack.collect._kube_objects import (
    Notes,
    as_dict,
    labels_of,
    name_of,
    namespace_of,
    parse_service,
    slice_endpoints,
)
from kostack.collect._kube_reader import Reader
from kostack.collect._kube_types import JsonObject, ReadFailure
from kostack.gap_words import Msg
from kostack.model.snapshot import KubeEvent, Node, Service

MAX_SELECTOR_NAMES: Final = 100
EVENTS_PER_SERVICE: Final = 8
SERVICE_NAME_LABEL: Final = "kubernetes.io/service-name"

GapFn = Callable[[str, ReadFailure, str], None]


@dataclass(frozen=True)
class LoadBalancerServices:
    services: tuple[Service, ...] | None
    events: tuple[KubeEvent, ...] | None


def read_lb_services(
    reader: Reader,
    nodes: tuple[Node, ...] | None,
    gap: GapFn,
    notes: Notes,
) -> LoadBalancerServices:
    """The cluster's Services of type LoadBalancer with endpoints, and their events."""
    core = reader.core
    try:
        found = reader.all(
            "GET /api/v1/services?fieldSelector=spec.type=LoadBalancer",
            core.list_service_for_all_namespaces,
            field_selector="spec.type=LoadBalancer",
        )
    except ReadFailure as failure:
        gap(
            "cluster.services.load_balancers",
            failure,
            Msg("gap.hint.kube.lb-services"),
        )
        return LoadBalancerServices(None, None)
    if not found:
        return LoadBalancerServices((), ())
    hint = Msg("gap.hint.kube.lb-endpoints")
    services = with_endpoints(reader, found, nodes, gap, hint, notes)
    events = _events(reader, {(s.namespace, s.name) for s in services}, gap)
    return LoadBalancerServices(tuple(services), events)


def with_endpoints(
    reader: Reader,
    found: list[JsonObject],
    nodes: tuple[Node, ...] | None,
    gap: GapFn,
    hint: str,
    notes: Notes,
    *,
    request: str = "",
) -> list[Service]:
    """The Services ``found``, each with its endpoints from one EndpointSlice list with the
    label selector ``kubernetes.io/service-name in (...)`` (up to ``MAX_SELECTOR_NAMES`` names;
    beyond that, every EndpointSlice). When that list fails: a gap with ``hint`` and endpoints
    None; ``request`` names the call in the gap (default: the URL, said with its selector)."""
    if not found:
        return []
    names = sorted({name_of(s) for s in found})
    selectors: dict[str, str] = {}
    url = "GET /apis/discovery.k8s.io/v1/endpointslices"
    if len(names) <= MAX_SELECTOR_NAMES:
        selectors["label_selector"] = f"{SERVICE_NAME_LABEL} in ({','.join(names)})"
        url += "?labelSelector=kubernetes.io/service-name in (...)"
    by_service: dict[tuple[str, str], list[JsonObject]] | None
    try:
        slices = reader.all(
            request or url, reader.discovery.list_endpoint_slice_for_all_namespaces, **selectors
        )
    except ReadFailure as failure:
        gap("cluster.services.endpoints", failure, hint)
        by_service = None
    else:
        by_service = defaultdict(list)
        for slice_ in slices:
            owner = labels_of(slice_).get(SERVICE_NAME_LABEL)
            if owner:
                by_service[(namespace_of(slice_), owner)].append(slice_)
    node_by_ip = {ip: n.name for n in nodes or () for ip in n.internal_ips}
    services: list[Service] = []
    for obj in found:
        key = (namespace_of(obj), name_of(obj))
        own = None if by_service is None else slice_endpoints(by_service.get(key, []), node_by_ip)
        service = parse_service(obj, own, notes)
        if service is not None:
            services.append(service)
    return services


def _events(
    reader: Reader, wanted: set[tuple[str, str]], gap: GapFn
) -> tuple[KubeEvent, ...] | None:
    try:
        raw = reader.all(
            "GET /api/v1/events?fieldSelector=involvedObject.kind=Service",
            reader.core.list_event_for_all_namespaces,
            field_selector="involvedObject.kind=Service",
        )
    except ReadFailure as failure:
        gap(
            "cluster.service_events",
            failure,
            Msg("gap.hint.kube.events"),
        )
        return None
    redact = reader.session.redact
    kept: dict[tuple[str, str], list[KubeEvent]] = defaultdict(list)
    for item in raw:
        involved = as_dict(item.get("involvedObject"))
        key = (str(involved.get("namespace") or namespace_of(item)), str(involved.get("name")))
        if key not in wanted:
            continue
        kept[key].append(_event(item, key, redact))
    out: list[KubeEvent] = []
    for key in sorted(kept):
        events = sorted(kept[key], key=lambda e: e.last_seen or "")
        out.extend(events[-EVENTS_PER_SERVICE:])
    return tuple(out)


def _event(
    item: Mapping[str, Any], key: tuple[str, str], redact: Callable[[str], str]
) -> KubeEvent:
    meta = as_dict(item.get("metadata"))
    count = item.get("count")
    last = (
        item.get("lastTimestamp")
        or item.get("eventTime")
        or item.get("firstTimestamp")
        or meta.get("creationTimestamp")
    )
    return KubeEvent(
        namespace=key[0],
        kind="Service",
        name=key[1],
        type=str(item.get("type") or "Normal"),
        reason=str(item.get("reason") or "")[:256],
        message=redact(str(item.get("message") or ""))[:1024],
        count=count if isinstance(count, int) and count > 0 else 1,
        last_seen=str(last) if last else None,
    )
