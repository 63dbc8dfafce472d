"""MetalLB's speaker settings (collect/_metallb_speaker.py, metallb/metallb speaker/main.go),
a node's NetworkUnavailable condition, and a BGPPeer's port and source address.

Before they were read the snapshot had no `speaker`, `network_unavailable`, `port` or
`source_address`: these tests fail on that code.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from k8s_collect_served import ServeFn

from kostack.collect._kube_objects import Notes, parse_node
from kostack.collect._kube_vip import parse_peer
from kostack.collect._metallb_speaker import parse_speaker
from kostack_testkit.k8s_fixture_kubeovn import kube_ovn_cluster
from kostack_testkit.k8s_fixture_metallb import metallb_objects, peer_object
from kostack_testkit.k8s_fixture_objects import make_nodes


def speaker_pod(args: list[str], env: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "metadata": {"name": "speaker-abc", "namespace": "lb"},
        "spec": {"containers": [{"name": "speaker", "args": args, "env": env or []}]},
    }


def test_the_manifests_speaker_honours_the_label_in_its_pods_namespace() -> None:
    said = parse_speaker(speaker_pod(["--port=7472", "--log-level=info"]))
    assert said is not None
    assert (said.namespace, said.ignore_exclude_lb) == ("lb", False)


def test_flags_and_environment_as_go_reads_them() -> None:
    for args, ignore in (
        (["--ignore-exclude-lb"], True),
        (["-ignore-exclude-lb=true"], True),
        (["--ignore-exclude-lb=False"], False),
        (["--ignore-exclude-lb=$(IGNORE)"], None),
        (["--ignore-exclude-lb=maybe"], None),
        (["stop", "--ignore-exclude-lb"], False),  # the flag package stops at "stop"
    ):
        said = parse_speaker(speaker_pod(args))
        assert said is not None and said.ignore_exclude_lb is ignore, args
    env = [
        {
            "name": "METALLB_NAMESPACE",
            "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}},
        },
    ]
    said = parse_speaker(speaker_pod([], env))
    assert said is not None and said.namespace == "lb"
    secret = [{"name": "METALLB_NAMESPACE", "valueFrom": {"configMapKeyRef": {"name": "x"}}}]
    said = parse_speaker(speaker_pod([], secret))
    assert said is not None and said.namespace is None
    said = parse_speaker(speaker_pod(["--namespace", "other"], secret))
    assert said is not None and said.namespace == "other"  # the flag wins over its default


def test_network_unavailable_and_the_peers_port_and_source() -> None:
    node = {
        "metadata": {"name": "k8s-w-1", "labels": {}},
        "status": {
            "conditions": [
                {"type": "NetworkUnavailable", "status": "True"},
                {"type": "Ready", "status": "True"},
            ]
        },
    }
    parsed = parse_node(node, Notes())
    assert parsed is not None and parsed.node.network_unavailable is True
    peer = parse_peer(peer_object("tor", "10.0.0.250", peerPort=1790, sourceAddress="10.0.0.11"))
    assert peer is not None and peer.port == 1790
    assert peer.source_address == ipaddress.ip_address("10.0.0.11")
    plain = parse_peer(peer_object("tor", "10.0.0.250"))
    assert plain is not None and (plain.port, plain.source_address) == (179, None)


def test_the_speaker_is_read_from_its_listed_pods(serve: ServeFn) -> None:
    nodes = make_nodes()
    objects = kube_ovn_cluster(nodes=nodes, extra=metallb_objects(nodes))
    collection = serve(objects).collect()
    vips = collection.cluster.virtual_ips
    assert vips is not None and vips.metallb is not None
    speaker = vips.metallb.speaker
    assert speaker is not None
    assert (speaker.namespace, speaker.ignore_exclude_lb) == ("metallb-system", False)
