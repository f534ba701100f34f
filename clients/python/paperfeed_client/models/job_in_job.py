from enum import StrEnum

class JobInJob(StrEnum):
    ALERTS = "alerts"
    DELIVER = "deliver"
    DIGESTS = "digests"
    EMBED = "embed"
    REINDEX = "reindex"
    RETRAIN = "retrain"
    TRENDING = "trending"

    def __str__(self) -> str:
        return str(self.value)
