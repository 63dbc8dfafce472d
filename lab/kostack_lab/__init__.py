"""Test and demo infrastructure: the network lab, the Neutron harness, the Kubernetes API double.

Kept import-light on purpose: lab servers and probes run by path, and nothing
here should load openstacksdk or kubernetes until it is used.
"""
