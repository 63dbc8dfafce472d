"""The way in: Services of type LoadBalancer through the OpenStack cloud controller and Octavia.

Modules: index (Service <-> load balancer <-> pool <-> member <-> node),
admission (security-group coverage of a set of sources), provider (where
each provider's traffic and health checks come from), path (client ->
floating IP -> VIP -> provider -> NodePort -> kube-proxy -> pod, hop by hop),
monitor (what the health monitor sees), texts (the messages, en/ko).
docs/loadbalancer.md explains the semantics and their sources.

The hops this path shares with pod traffic (security-group admission of one
address, anti-spoofing, kube-proxy's DNAT to endpoints, the node -> pod leg)
are the engine's, imported from kostack.analyze.reach, so both give the same
verdict and the same words for them.
"""

from kostack.analyze.loadbalancer import texts  # noqa: F401  (registers the lb.* messages)
