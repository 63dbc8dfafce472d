"""A picture of where packets die: subnets, node ports, pods and the traced flows, as SVG.

Two steps, both pure:

- ``picture(snapshot)`` traces the flows the checks care about (pod to pod
  across nodes, DNS, the kubernetes service, pod egress) with the reachability
  engine and keeps, for each, the hop that decides it: a ``Picture``.
- ``render_svg(picture, lang)`` draws it. Failing flows are red and end at the
  hop that drops them (a red X on the source port for anti-spoofing, on the
  destination port for a security group, mid-way for a missing route); flows
  that pass are green; undecided ones grey and dashed.

Up to ``DETAIL_LIMIT`` nodes every node is drawn and traced on its own. Above
that, nodes are drawn as the engine's node classes (nodes Neutron, the CNI and
the security groups treat alike), at most ``MAX_BOXES`` boxes, so the picture
stays readable at 500 nodes.

Every string that came from the cloud or the cluster goes through
``html_safe`` before it reaches the SVG, in text and in attributes alike.

The picture is built in ``topology_picture``, drawn in ``topology_draw`` with
the kit of ``topology_svg_kit``; this module keeps the names importers use.
"""

from __future__ import annotations

from kostack.report.topology_draw import render_svg
from kostack.report.topology_picture import (
    DETAIL_LIMIT,
    FLOW_KINDS,
    MAX_BOXES,
    PicFlow,
    Picture,
    picture,
)

__all__ = ["DETAIL_LIMIT", "FLOW_KINDS", "MAX_BOXES", "PicFlow", "Picture", "picture", "render_svg"]
