"""The way in: Services of type LoadBalancer through the OpenStack cloud controller and Octavia.

Modules: index (Service <-> load balancer <-> pool <-> member <-> node),
admission (security-group coverage of a set of sources), provider (where
each provider's traffic and health checks come from), path (client ->
floating IP -> VIP -> provider -> NodePort -> kube-proxy -> pod, hop by hop),
monitor (what the health monitor sees), texts (the messages, en/ko).
docs/loadbalancer.md explains the semantics and their sources.
"""
