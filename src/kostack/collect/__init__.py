"""Collection: read OpenStack and Kubernetes into a Snapshot. Only this layer (and apply,
probe, lab) may talk to clouds and clusters."""
