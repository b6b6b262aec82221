from tests.clusters.conftest import committed_mirror

__all__ = ["committed_mirror"]
