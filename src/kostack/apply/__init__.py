"""Apply: carry out plans against OpenStack/Kubernetes, journaled, conditional, reversible."""
