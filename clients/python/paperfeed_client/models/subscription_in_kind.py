from enum import StrEnum

class SubscriptionInKind(StrEnum):
    AUTHOR = "author"
    CATEGORY = "category"
    DIGEST = "digest"
    INSTANT = "instant"
    QUERY = "query"

    def __str__(self) -> str:
        return str(self.value)
