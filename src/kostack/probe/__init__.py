"""Active probes: the in-pod agent, runners (Kubernetes, lab) and correlation."""
