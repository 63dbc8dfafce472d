"""The static reachability engine, split by hop (see docs/engine.md).

Modules: types (hops, flows), cases (the unknowns, enumerated), endpoints,
kube_proxy, cni (masquerade, encapsulation, BGP routes), antispoof, secgroups
(rules and address sets), router (tenant network, router and egress), path
(a whole flow, hop by hop), and pairs (every node pair of a flow family at
once, by classes and address sets). Import from the modules; this package
imports nothing so that `topology` can use `cases`.
"""
