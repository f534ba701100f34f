from enum import StrEnum

class SubscriptionInFrequencyType3Type1(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"

    def __str__(self) -> str:
        return str(self.value)
